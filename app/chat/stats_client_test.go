//go:build !js

package chat

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"
)

func TestCompleteRecordsTimes(t *testing.T) {
	c := newClient(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: "+chunk("", "")+"\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(30 * time.Millisecond)
		fmt.Fprint(w, "data: "+chunk("hi", "")+"\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(30 * time.Millisecond)
		fmt.Fprint(w, "data: "+chunk("", "stop")+"\n\ndata: [DONE]\n\n")
	}))
	before := time.Now()
	res, err := c.Complete(context.Background(), []byte(`{}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Started.Before(before) || res.FirstToken.Sub(res.Started) < 25*time.Millisecond ||
		res.Finished.Sub(res.FirstToken) < 25*time.Millisecond {
		t.Errorf("times: started %v, first token +%v, finished +%v", res.Started, res.FirstToken.Sub(res.Started), res.Finished.Sub(res.Started))
	}
}
