package web

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Request bodies are bounded by what each route takes: a person's form is
// small, an API call bigger, an inventory the biggest (it is parsed as it
// streams in).
const (
	maxForm      = 16 << 10 // login and answer forms
	maxJSON      = 1 << 20  // API bodies
	maxInventory = 64 << 20 // PUT /api/v1/orgs/{id}/inventory
)

// maxInFlight bounds the requests served at once. Each takes milliseconds
// (a CSV export or an inventory upload longer), so this is far above what
// a mail scanner opening links, or an operator, needs.
const maxInFlight = 512

// limitBody bounds the body of the requests h serves to n bytes. ServeHTTP
// already bounds every body to maxInventory; this narrows it.
func limitBody(n int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, n)
		h.ServeHTTP(w, r)
	})
}

// tooLarge reports whether err comes from a body over its route's bound.
func tooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

// clientLimits gives each client (by address) a token bucket: burst
// requests at once, then one per every. Login and answers use it, so that
// neither the admin token nor the answer form can be hammered.
type clientLimits struct {
	every time.Duration
	burst int
	now   func() time.Time

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// maxClients bounds the memory the limits take: past it, clients whose
// bucket has refilled (they would be allowed anyway) are forgotten.
const maxClients = 10000

func newClientLimits(every time.Duration, burst int, now func() time.Time) *clientLimits {
	return &clientLimits{every: every, burst: burst, now: now, clients: map[string]*rate.Limiter{}}
}

// allow takes a token for client, or says how long until one is free.
func (c *clientLimits) allow(client string) (bool, time.Duration) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	lim, ok := c.clients[client]
	if !ok {
		if len(c.clients) >= maxClients {
			for k, l := range c.clients {
				if l.TokensAt(now) >= float64(c.burst) {
					delete(c.clients, k)
				}
			}
		}
		lim = rate.NewLimiter(rate.Every(c.every), c.burst)
		c.clients[client] = lim
	}
	res := lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// limited answers 429 with Retry-After when client is over its limit, and
// reports whether it did.
func limited(w http.ResponseWriter, c *clientLimits, client string) (bool, time.Duration) {
	ok, wait := c.allow(client)
	if ok {
		return false, 0
	}
	w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	return true, wait
}
