package relay

import (
	"bytes"
	"io"
)

// A message's body is written after DATA in SMTP's dot-encoding (RFC 5321
// 4.5.2: a line that starts with "." gets another; the message ends with
// "." alone on a line). go-smtp's writer for it (net/textproto's
// DotWriter) looks at every byte on its own and writes it through a
// bufio.Writer: 34 of the 50 µs of CPU that Send spent on an 11 KB mail of
// a fan-out. The relay writes all of the body but its last line itself,
// dot-stuffed a line at a time with copies of whole lines, onto the
// session's connection under go-smtp (the bytes go-smtp would have written
// there, in the order it would have), and gives go-smtp's writer the
// last line, so that go-smtp ends the message with its "." line and reads
// the relay's answer as before.

// bodyChunk bounds the bytes dot-stuffed before they are written: one
// write for a mail of Heed's size, a bounded buffer for a larger one.
const bodyChunk = 32 << 10

// writeBody writes msg onto session in dot-encoding, but for its last line,
// which goes to dot (go-smtp's writer after DATA, which has written
// nothing yet and so counts itself at the start of a line). buf is
// scratch space, returned for the next message. What reaches session, then
// dot's output, is byte for byte what dot alone would write of msg:
// leading dots doubled, a line feed without its carriage return given one.
// (Heed's messages hold only CRLF line breaks; the rest is for the
// promise that the bytes are go-smtp's.)
func writeBody(session, dot io.Writer, msg, buf []byte) ([]byte, error) {
	cut := lastLine(msg)
	buf = buf[:0]
	for head := msg[:cut]; len(head) > 0; {
		// head starts at the start of a line and ends with a line feed.
		if head[0] == '.' {
			buf = append(buf, '.')
		}
		i := bytes.IndexByte(head, '\n')
		buf = append(buf, head[:i]...)
		if !endsWithCR(head[:i]) {
			buf = append(buf, '\r')
		}
		buf = append(buf, '\n')
		head = head[i+1:]
		if len(buf) >= bodyChunk || len(head) == 0 {
			if _, err := session.Write(buf); err != nil {
				return buf, err
			}
			buf = buf[:0]
		}
	}
	_, err := dot.Write(msg[cut:])
	return buf, err
}

// endsWithCR reports whether textproto's writer takes the line feed after
// line as the end of a CRLF: line ends with a carriage return that does
// not follow one it took as such (in a run of them, the 1st, 3rd, ...).
func endsWithCR(line []byte) bool {
	n := 0
	for n < len(line) && line[len(line)-1-n] == '\r' {
		n++
	}
	return n%2 == 1
}

// lastLine is where msg's last line starts: after the line feed before its
// final one, or after its last line feed when msg does not end with one
// (0 when msg is one line). Everything before it ends with a line feed.
func lastLine(msg []byte) int {
	end := len(msg)
	if end > 0 && msg[end-1] == '\n' {
		end--
	}
	return bytes.LastIndexByte(msg[:end], '\n') + 1
}
