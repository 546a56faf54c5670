package notifier

import (
	"bytes"
	"maps"
	"net/mail"
	"sync"
	"sync/atomic"

	"github.com/heed-dev/heed/store"
	"github.com/heed-dev/heed/templates"
)

// The mails of one batch of a fan-out are the same but for a few lines (the
// organization's name, its items, the link): each line the batch's shared
// body holds is taken from there already encoded, and the store keeps the
// shared body once (store.SharedBody) and each mail's own lines.

// minRun is the shortest run of a shared body worth a splice: a few bytes
// to record where it goes.
const minRun = 32

// encodeLines appends a part's content, quoted-printable encoded, taking
// each line that dict holds from there, and returns how many bytes it
// took. A line's encoding depends on nothing but the line when it starts a
// line of the output and a line break or the part's end follows it, as a
// line of content always does.
func (c *composed) encodeLines(dict *wireDict, content []byte) int {
	var qp qpEncoder
	run := -1 // the splice being extended, if any, in c.splices
	shared := 0
	for first := true; ; first = false {
		line, rest, more := bytes.Cut(content, newline)
		if !first {
			// The line break before line: part of the run when the
			// shared body has one there too.
			if r := c.runEnd(run); r >= 0 && hasAt(dict.bytes, r, "\r\n") {
				// After a line from dict, whose spaces at its end are
				// encoded already, a line break is CRLF.
				c.msg = append(c.msg, '\r', '\n')
				c.splices[run].Len += 2
				qp = qpEncoder{}
			} else {
				run = -1
				c.msg = qp.append(c.msg, newline)
			}
		}
		if l, ok := dict.lines[string(line)]; ok && qp == (qpEncoder{}) && l.n > 0 {
			enc := dict.bytes[l.at : l.at+l.n]
			switch r := c.runEnd(run); {
			case r == l.at || r >= 0 && r+l.n <= len(dict.bytes) && bytes.Equal(dict.bytes[r:r+l.n], enc):
				c.splices[run].Len += l.n
			case l.n >= minRun:
				c.splices = append(c.splices, store.Splice{At: len(c.msg), From: l.at, Len: l.n})
				run = len(c.splices) - 1
			default:
				run = -1
			}
			c.msg = append(c.msg, enc...)
			qp = l.after
			shared += l.n
		} else if len(line) > 0 {
			run = -1
			c.msg = qp.append(c.msg, line)
		}
		if !more {
			break
		}
		content = rest
	}
	c.msg = qp.close(c.msg)
	return shared
}

// spliceHeader takes the header lines (each with its CRLF) of the message
// so far that dict holds, in runs of at least minRun bytes, and returns
// how many bytes it took: the lines every mail of the batch has (From,
// Subject, Date, List-Id, the MIME lines with the batch's boundary).
func (c *composed) spliceHeader(dict *wireDict) int {
	first, run := len(c.splices), -1
	for at := 0; at < len(c.msg); {
		n := bytes.Index(c.msg[at:], []byte("\r\n")) + 2
		if n < 2 {
			break
		}
		unit := c.msg[at : at+n]
		l, ok := dict.header[string(unit)]
		switch r := c.runEnd(run); {
		case !ok:
			run = -1
		case r == l.at || r >= 0 && r+n <= len(dict.bytes) && bytes.Equal(dict.bytes[r:r+n], unit):
			c.splices[run].Len += n
		default:
			c.splices = append(c.splices, store.Splice{At: at, From: l.at, Len: n})
			run = len(c.splices) - 1
		}
		at += n
	}
	kept, shared := c.splices[:first], 0
	for _, sp := range c.splices[first:] {
		if sp.Len >= minRun {
			kept = append(kept, sp)
			shared += sp.Len
		}
	}
	c.splices = kept
	return shared
}

// runEnd is where the splice run ends in the shared body, or -1.
func (c *composed) runEnd(run int) int {
	if run < 0 {
		return -1
	}
	return c.splices[run].From + c.splices[run].Len
}

var newline = []byte{'\n'}

// hasAt reports whether b holds s at offset i.
func hasAt(b []byte, i int, s string) bool {
	return i+len(s) <= len(b) && string(b[i:i+len(s)]) == s
}

// sharedWire is the shared body of one batch of mails: the lines of the
// first mail of each advisory, kind, language and zone, quoted-printable
// encoded, which the other mails of the batch take from it (and the store
// keeps once). It is safe for concurrent use; it only grows, so a run
// taken from it stays where it was.
type sharedWire struct {
	mu       sync.Mutex // held to learn
	dict     atomic.Pointer[wireDict]
	subjects sync.Map // subject → its header value
	froms    sync.Map // mail.Address → its header value
	once     sync.Once
	bound    string // the batch's multipart boundary
}

// wireDict is one state of a sharedWire, never changed once stored.
type wireDict struct {
	bytes  []byte // the encoded lines, each followed by CRLF
	lines  map[string]wireLine
	header map[string]wireLine // header lines, with their CRLF
}

// wireLine is a line of content encoded in a wireDict: bytes[at:at+n].
type wireLine struct {
	at, n int
	after qpEncoder // the encoder's state after it
}

// subject is a mail's Subject header value: the same for every mail of
// an advisory, kind and language, and costly to encode when it is not
// plain ASCII (Japanese), so a batch encodes each once.
func (w *sharedWire) subject(s string) string {
	if w == nil {
		return headerText(templates.OneLine(s))
	}
	if v, ok := w.subjects.Load(s); ok {
		return v.(string)
	}
	v := headerText(templates.OneLine(s))
	w.subjects.Store(s, v)
	return v
}

// from is the From header value of a mail: the same for every mail of a
// batch (the Outbox's sender), so a batch writes it once.
func (w *sharedWire) from(a *mail.Address) string {
	if w == nil {
		return addressText(a)
	}
	if v, ok := w.froms.Load(*a); ok {
		return v.(string)
	}
	v := addressText(a)
	w.froms.Store(*a, v)
	return v
}

// maxWire bounds a batch's shared body.
const maxWire = 512 << 10

// boundary is the batch's multipart boundary; a nil w draws one a mail.
func (w *sharedWire) boundary() string {
	if w == nil {
		return randomBoundary()
	}
	w.once.Do(func() { w.bound = randomBoundary() })
	return w.bound
}

// learn adds the header lines of header (each ending in CRLF) and the
// lines of contents that the shared body does not hold yet.
func (w *sharedWire) learn(header []byte, contents ...[]byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	old := w.dict.Load()
	d := &wireDict{lines: map[string]wireLine{}, header: map[string]wireLine{}}
	if old != nil {
		d.bytes = old.bytes[:len(old.bytes):len(old.bytes)] // appended to as a copy
		maps.Copy(d.lines, old.lines)
		maps.Copy(d.header, old.header)
	}
	for len(header) > 0 && len(d.bytes) <= maxWire {
		n := bytes.Index(header, []byte("\r\n")) + 2
		if n < 2 {
			break
		}
		if _, ok := d.header[string(header[:n])]; !ok {
			d.header[string(header[:n])] = wireLine{at: len(d.bytes), n: n}
			d.bytes = append(d.bytes, header[:n]...)
		}
		header = header[n:]
	}
	for _, content := range contents {
		for line := range bytes.SplitSeq(content, newline) {
			if _, ok := d.lines[string(line)]; ok || bytes.IndexByte(line, '\r') >= 0 || len(d.bytes) > maxWire {
				continue // a CR would end the line in the encoding
			}
			l := wireLine{at: len(d.bytes)}
			d.bytes = l.after.lineEnd(l.after.append(d.bytes, line))
			l.n = len(d.bytes) - l.at
			d.bytes = append(d.bytes, '\r', '\n')
			d.lines[string(line)] = l // a copy: the bodies' bytes are written over
		}
	}
	w.dict.Store(d)
}

// body is the batch's shared body as the store keeps it; nil if it has
// none.
func (w *sharedWire) body() *store.SharedBody {
	d := w.dict.Load()
	if d == nil {
		return nil
	}
	return store.NewSharedBody(d.bytes)
}
