package notifier

import (
	"encoding/binary"
	"math/bits"
)

// A quoted-printable encoder (RFC 2045 section 6.7) for mail bodies, byte
// for byte what mime/quotedprintable.Writer writes for text (Binary false),
// which looks at every byte on its own through an interface call: a third
// of composing a mail. This one copies runs of printable bytes at once and
// appends to a slice.

// qpLineMax is the longest encoded line, its soft line break's "="
// included.
const qpLineMax = 76

// qpPlain marks the bytes written as they are: printable ASCII but "=",
// and the spaces and tabs (encoded only at the end of a line).
var qpPlain = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = c != '='
	}
	t[' '], t['\t'] = true, true
	return t
}()

const upperHex = "0123456789ABCDEF"

// qpEncoder is the state of one part's encoding between appends: the
// bytes on the current output line, and whether the last input byte was a
// CR (so that the LF of a CRLF makes no second line break).
type qpEncoder struct {
	col int
	cr  bool
}

// append encodes s onto dst. Line breaks (LF, CR or CRLF) become CRLF.
func (e *qpEncoder) append(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case qpPlain[c]:
			if e.col == qpLineMax-1 {
				dst = e.softBreak(dst)
			}
			j := i + 1
			for end := min(len(s), i+qpLineMax-1-e.col); j < end && qpPlain[s[j]]; j++ {
			}
			dst = append(dst, s[i:j]...)
			e.col += j - i
			e.cr = false
			i = j
			continue
		case c == '\n' || c == '\r':
			if e.cr && c == '\n' {
				e.cr = false
				break
			}
			e.cr = c == '\r'
			dst = e.lineEnd(dst)
			dst = append(dst, '\r', '\n')
			e.col = 0
		default:
			dst = e.encode(dst, c)
		}
		i++
	}
	return dst
}

// close ends the encoding: a space or tab at the very end is encoded, as
// at the end of any line.
func (e *qpEncoder) close(dst []byte) []byte {
	dst = e.lineEnd(dst)
	*e = qpEncoder{}
	return dst
}

// lineEnd encodes the space or tab that ends a line, which a relay may
// strip.
func (e *qpEncoder) lineEnd(dst []byte) []byte {
	if e.col == 0 {
		return dst
	}
	if c := dst[len(dst)-1]; c == ' ' || c == '\t' {
		dst = dst[:len(dst)-1]
		e.col--
		dst = e.encode(dst, c)
	}
	return dst
}

func (e *qpEncoder) encode(dst []byte, c byte) []byte {
	if qpLineMax-1-e.col < 3 {
		dst = e.softBreak(dst)
	}
	e.col += 3
	return append(dst, '=', upperHex[c>>4], upperHex[c&0x0f])
}

func (e *qpEncoder) softBreak(dst []byte) []byte {
	e.col = 0
	return append(dst, '=', '\r', '\n')
}

// qpSize is about the length of s encoded, a little more: a byte outside
// ASCII and an "=" take three (the HTML part's attributes have many), and
// a line a soft break every 75. It reads s eight bytes at a time.
func qpSize(s []byte) int {
	const lows, highs, eqs = 0x7f7f7f7f7f7f7f7f, 0x8080808080808080, 0x3d3d3d3d3d3d3d3d
	wide := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := binary.LittleEndian.Uint64(s[i:])
		// A byte of x^eqs is zero where s has "=": its high bit is
		// clear, and so is the one adding 0x7f to its low bits sets.
		v := x ^ eqs
		eq := ^((v&lows + lows) | v) & highs
		wide += bits.OnesCount64(x&highs) + bits.OnesCount64(eq)
	}
	for ; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '=' {
			wide++
		}
	}
	n := len(s) + 2*wide
	return n + n/24
}
