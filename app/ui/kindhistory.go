package ui

import (
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"playground/app/convo"
	"playground/app/kind"
)

// The history of the kinds that are not conversations (images, embeddings): each finished run is
// kept in the open history entry, in the kind's kept form (files by URL, never their bytes; vectors
// by their summary), and an entry opened from the history gives its runs back to the run area.

// runLog is what a run area needs of the page's history: the runs of the open entry, a sequence
// number that changes when another entry is opened (the run area then starts from runs), and the
// page's functions that keep a finished run and start a new entry.
type runLog struct {
	runs  []convo.Run
	seq   int
	save  func(convo.Run)
	fresh func()
	// keep saves a job's run: it replaces the run of the same job id, or is save.
	keep func(r convo.Run, jobID string)
}

// runLog is the page's history of runs for the current run area.
func (p *playground) runLog() runLog {
	return runLog{runs: p.kindRuns, seq: p.kindSeq, save: p.saveRun, fresh: p.freshRuns, keep: p.keepJobRun}
}

// saveRun keeps a finished run in the history entry of this model (a new entry for the first).
// In the widget, which keeps nothing, it reads the policy again: what is left of the budget.
func (p *playground) saveRun(r convo.Run) {
	if p.embed && p.hasPage {
		p.loadPolicy(p.page)
	}
	if p.form == nil || !app.IsClient || p.embed {
		return
	}
	if p.kindModel != p.form.Model.ID+"|"+p.form.Model.Provider+"|"+p.form.Path {
		p.kindModel, p.kindRuns, p.convID = p.form.Model.ID+"|"+p.form.Model.Provider+"|"+p.form.Path, nil, ""
	}
	if p.convID == "" {
		p.convID = convo.NewID()
	}
	p.kindRuns = append(p.kindRuns, r)
	if len(p.kindRuns) > convo.MaxRuns {
		p.kindRuns = p.kindRuns[len(p.kindRuns)-convo.MaxRuns:]
	}
	p.storeRuns()
}

// keepJobRun saves the run of a job: the run of the same job id in the open entry is replaced
// (its status, polls, result), else it is a new run (see saveRun).
func (p *playground) keepJobRun(r convo.Run, jobID string) {
	if jobID != "" && p.form != nil && !p.embed && p.kindModel == p.form.Model.ID+"|"+p.form.Model.Provider+"|"+p.form.Path {
		for i := range p.kindRuns {
			if j := p.kindRuns[i].Job; j != nil && j.ID == jobID {
				p.kindRuns[i] = r
				p.storeRuns()
				return
			}
		}
	}
	p.saveRun(r)
}

// storeRuns writes the open entry of runs to the history.
func (p *playground) storeRuns() {
	h, err := p.loadHistory().Upsert(convo.Saved{ID: p.convID, Updated: time.Now(), Model: p.form.Model.ID,
		Provider: p.form.Model.Provider, Params: p.params(), Kind: p.form.Kind, Op: p.form.Path, Runs: p.kindRuns})
	if err != nil {
		p.stateNote = "The run could not be saved: " + err.Error()
		return
	}
	p.storeHistory(h)
}

// freshRuns starts a new history entry: the next run is kept apart from the ones shown so far.
func (p *playground) freshRuns() {
	p.kindRuns, p.convID, p.kindModel = nil, "", ""
}

// openRuns shows the runs of an entry opened from the history.
func (p *playground) openRuns(s convo.Saved) {
	p.kindRuns, p.kindSeq = s.Runs, p.kindSeq+1
	p.kindModel = s.Model + "|" + s.Provider + "|" + s.Op
}

// keptRecord is the record of a run read back from the history.
func keptRecord(r convo.Run) runRecord {
	return runRecord{took: time.Duration(r.TookMS) * time.Millisecond, err: r.Error}
}

// keptRun is the history's form of a finished run.
func keptRun(rec runRecord, prompt string, inputs []string, result []byte) convo.Run {
	r := convo.Run{At: time.Now(), Prompt: prompt, Inputs: inputs, TookMS: rec.took.Milliseconds(), Error: rec.err}
	if rec.err == "" {
		r.Result = result
	}
	return r
}

// restoreImageRuns makes the gallery of an entry's runs, newest first.
func restoreImageRuns(runs []convo.Run) []imageRunResult {
	out := make([]imageRunResult, 0, len(runs))
	for _, r := range runs {
		res := imageRunResult{prompt: r.Prompt, rec: keptRecord(r), kept: true}
		if len(r.Result) > 0 {
			ir, inline, err := kind.KeptImages(r.Result)
			if err != nil && res.rec.err == "" {
				res.rec.err = "This run could not be read back from the history: " + err.Error()
			}
			res.res, res.inline = ir, inline
		}
		out = append([]imageRunResult{res}, out...)
	}
	return out
}
