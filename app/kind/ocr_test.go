package kind

import (
	"strings"
	"testing"
)

func TestParseOCR(t *testing.T) {
	body := `{"pages":[{"index":0,"markdown":"# Title\n\n![img-0.jpeg](img-0.jpeg)\n\n![](https://evil.example/x.png \"t\")",
		"images":[{"id":"img-0.jpeg","top_left_x":10,"top_left_y":20,"bottom_right_x":110,"bottom_right_y":220,"image_base64":"data:image/png;base64,iVBORw0KGgo="},
		{"id":"img-1","top_left_x":null,"top_left_y":0,"bottom_right_x":5,"bottom_right_y":5,"image_base64":"data:text/html;base64,PGI+"}],
		"dimensions":{"dpi":200,"height":1000,"width":800}},{"index":2,"markdown":"two","images":[]}],"usage_info":{"pages_processed":2}}`
	r, err := ParseOCR([]byte(body))
	if err != nil || len(r.Pages) != 2 || r.Pages[1].Index != 2 {
		t.Fatalf("%+v, %v", r, err)
	}
	p := r.Pages[0]
	if p.Width != 800 || p.Height != 1000 || p.DPI != 200 || len(p.Images) != 2 {
		t.Fatalf("page %+v", p)
	}
	if im := p.Images[0]; !im.HasBox(p.Width, p.Height) || im.Data == "" || im.X1 != 110 {
		t.Errorf("image 0 %+v", im)
	}
	if im := p.Images[1]; im.HasBox(p.Width, p.Height) || im.Data != "" {
		t.Errorf("image 1 (no x, an HTML data URL) %+v", im)
	}
	md := p.SafeMarkdown()
	if strings.Contains(md, "](") || !strings.Contains(md, "*[image: img-0.jpeg]*") || !strings.Contains(md, "*[image: https://evil.example/x.png]*") {
		t.Errorf("SafeMarkdown = %q", md)
	}
	for _, bad := range []string{`{"pages":[]}`, `[]`, `x`} {
		if _, err := ParseOCR([]byte(bad)); err == nil {
			t.Errorf("ParseOCR(%s) did not fail", bad)
		}
	}
	if imageDataURL("/9j/4AAQ") != "data:image/jpeg;base64,/9j/4AAQ" || imageDataURL("PHN2Zz4=") != "" {
		t.Error("imageDataURL")
	}
}

func FuzzParseOCR(f *testing.F) {
	f.Add([]byte(`{"pages":[{"index":0,"markdown":"![a](b)","images":[{"id":"x","top_left_x":1e300}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseOCR(body)
		if err != nil {
			return
		}
		for _, p := range r.Pages {
			if md := p.SafeMarkdown(); markdownImage.MatchString(md) {
				t.Fatalf("an image survived: %q", md)
			}
			for _, im := range p.Images {
				if im.Data != "" && !strings.HasPrefix(im.Data, "data:image/") {
					t.Fatalf("data %q", im.Data)
				}
			}
		}
	})
}
