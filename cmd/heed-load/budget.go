package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The CPU budget of a run: on a machine of a few cores, Heed's rate is
// bounded by what the SMTP server (the sink), the raw client and the
// machine's other work leave it, so each phase records the processor time
// of every process of the run and how busy the whole machine was.

// cpuSample is the processor time used so far by the processes of a run,
// and by the machine as a whole.
type cpuSample struct {
	at               time.Time
	heed, sink, load time.Duration
	// busy and total are the times the machine's cores were not idle and
	// in all, from /proc/stat (zero where there is none).
	busy, total time.Duration
}

// cpuUse is what each process and the machine used over one phase.
type cpuUse struct {
	Wall time.Duration
	// Heed is heed serve's processor time, Sink the SMTP server's, Load
	// heed-load's own: the raw client during the raw run.
	Heed, Sink, Load time.Duration
	// Busy is the time the machine's cores were busy (0: unknown), Cores
	// how many it has.
	Busy  time.Duration
	Cores int
	// Local: Heed and the sink run on this machine (not -url), so what the
	// machine did besides them is known.
	Local bool
}

// takeSample reads the processor times of heed, the sink (as its status
// says) and this process, and the machine's.
func takeSample(ctx context.Context, h *heedServer, s *sink) (cpuSample, error) {
	var c cpuSample
	var err error
	if c.heed, err = h.cpu(); err != nil {
		return c, err
	}
	st, err := s.status(ctx, false)
	if err != nil {
		return c, err
	}
	c.sink = time.Duration(st.CPUNS)
	c.load = selfCPU()
	c.busy, c.total = machineTimes()
	c.at = time.Now()
	return c, nil
}

// since is the use from an earlier sample a to c.
func (c cpuSample) since(a cpuSample, local bool) cpuUse {
	u := cpuUse{Wall: c.at.Sub(a.at), Heed: c.heed - a.heed, Sink: c.sink - a.sink, Load: c.load - a.load,
		Cores: runtime.NumCPU(), Local: local}
	// The cores' busy share of /proc/stat's times (both counted in ticks
	// of 10 ms), over the wall time: a short phase cannot seem to use
	// more cores than there are.
	if total := c.total - a.total; a.total > 0 && total > 0 {
		u.Busy = time.Duration(float64(c.busy-a.busy) / float64(total) * float64(u.Wall) * float64(u.Cores))
	}
	return u
}

// cores is d over the phase's wall time: how many cores it kept busy.
func (u cpuUse) cores(d time.Duration) float64 {
	return d.Seconds() / max(u.Wall.Seconds(), 1e-9)
}

// others is what the machine's cores did besides heed, the sink and
// heed-load: the other work on a shared machine.
func (u cpuUse) others() time.Duration { return max(u.Busy-u.Heed-u.Sink-u.Load, 0) }

// perMail is d a mail, in microseconds.
func perMail(d time.Duration, mails int) float64 {
	return float64(d.Microseconds()) / float64(max(mails, 1))
}

// selfCPU is this process's processor time (user and system).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineTimes are the times all cores of the machine have spent busy
// and in all since it started (/proc/stat's first line; idle and iowait
// are not busy); zero where there is no /proc/stat.
func machineTimes() (busy, total time.Duration) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	// user nice system idle iowait irq softirq steal (guest time is
	// counted in user already).
	var b, t int64
	for i, v := range f[1:9] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, 0
		}
		t += n
		if i != 3 && i != 4 {
			b += n
		}
	}
	return time.Duration(b) * time.Second / clockTicks, time.Duration(t) * time.Second / clockTicks
}

// procCPU is the processor time process pid has used so far (user and
// system), from /proc/PID/stat.
func procCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command name (in parentheses, which may hold
	// spaces): state is the first, utime the 12th, stime the 13th.
	_, rest, ok := strings.Cut(string(data), ") ")
	f := strings.Fields(rest)
	if !ok || len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat %q", data)
	}
	var ticks int64
	for _, v := range f[11:13] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// clockTicks is USER_HZ, the unit of /proc's times: 100 on Linux.
const clockTicks = 100
