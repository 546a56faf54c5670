package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/heed-dev/heed/notifier/eventually"
)

// actSpan records when one process acted.
type actSpan struct {
	mu         sync.Mutex
	start, end time.Time
}

func (s *actSpan) act(ctx context.Context) error {
	s.mu.Lock()
	s.start = time.Now()
	s.mu.Unlock()
	<-ctx.Done()
	s.mu.Lock()
	s.end = time.Now()
	s.mu.Unlock()
	return nil
}

func (s *actSpan) get() (start, end time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.start, s.end
}

// TestLeaseFencesBeforeTakeover cuts the active one off NATS: it must stop
// acting before the standby starts, and the standby must start.
func TestLeaseFencesBeforeTakeover(t *testing.T) {
	ns := startNATS(t)
	dir := t.TempDir()
	open := func(store string) (*lease, *nats.Conn) {
		nc, err := nats.Connect(ns.ClientURL())
		must(t, err)
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		must(t, err)
		l, err := openLease(context.Background(), js, "ADVISORIES", filepath.Join(dir, store), 2*time.Second, slog.New(slog.DiscardHandler))
		must(t, err)
		return l, nc
	}
	// Two paths: neither can tell the other ran beside it, as on two hosts.
	active, activeConn := open("one.db")
	standby, _ := open("two.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var first, second actSpan
	go active.run(ctx, first.act)
	eventually.True(t, 5*time.Second, "the first active", func() bool { return active.Role() == "active" })
	go standby.run(ctx, second.act)
	time.Sleep(3 * time.Second) // longer than the TTL: renewals keep the lease
	if standby.Role() != "standby" {
		t.Fatal("the second took the lease while the first renewed it")
	}

	activeConn.Close() // cut off: it cannot renew
	eventually.True(t, 10*time.Second, "the standby takes over", func() bool { return standby.Role() == "active" })
	// The role says active just before act starts: wait for act itself.
	eventually.True(t, 5*time.Second, "the standby acts", func() bool { start, _ := second.get(); return !start.IsZero() })
	_, firstEnd := first.get()
	secondStart, _ := second.get()
	if firstEnd.IsZero() || !firstEnd.Before(secondStart) {
		t.Errorf("the cut-off one acted until %v, the other from %v: both acted at once", firstEnd, secondStart)
	}
	if active.Role() != "standby" {
		t.Errorf("the cut-off one says %q", active.Role())
	}
	t.Logf("stopped %v before the other started", secondStart.Sub(firstEnd).Round(time.Millisecond))
}

// TestLeasesOfPartitionsActTogether: Heed instances reading the stream with
// consumers of their own (nats.consumer, one per partition) hold leases of
// their own, and all act; a second process of one partition waits.
func TestLeasesOfPartitionsActTogether(t *testing.T) {
	ns := startNATS(t)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var leases []*lease
	for i, consumer := range []string{"heed-p01", "heed-p02", "heed-p01"} {
		nc, err := nats.Connect(ns.ClientURL())
		must(t, err)
		t.Cleanup(nc.Close)
		js, err := jetstream.New(nc)
		must(t, err)
		key := NATSConfig{Stream: "ADVISORIES", Consumer: consumer}.leaseKey()
		l, err := openLease(ctx, js, key, filepath.Join(dir, fmt.Sprintf("%d.db", i)), 2*time.Second, slog.New(slog.DiscardHandler))
		must(t, err)
		var span actSpan
		go l.run(ctx, span.act)
		leases = append(leases, l)
		if i < 2 {
			eventually.True(t, 5*time.Second, consumer+" active", func() bool { return l.Role() == "active" })
		}
	}
	time.Sleep(3 * time.Second) // past the TTL: renewals keep both leases
	if leases[0].Role() != "active" || leases[1].Role() != "active" || leases[2].Role() != "standby" {
		t.Errorf("roles %s, %s, %s; want both partitions active and the second process of heed-p01 standing by",
			leases[0].Role(), leases[1].Role(), leases[2].Role())
	}
	if k := (NATSConfig{Stream: "ADVISORIES", Consumer: defaultConsumer}).leaseKey(); k != "ADVISORIES" {
		t.Errorf("the default consumer's lease key is %q; want the stream's name, as before nats.consumer", k)
	}
}

// TestLeaseKeepsTheBucketsReplicas: on a cluster of three JetStream servers,
// a lease bucket created with three replicas (as docs/SCALING.md says to)
// keeps them when heed serve opens the lease with its TTL.
func TestLeaseKeepsTheBucketsReplicas(t *testing.T) {
	ports := make([]int, 3)
	var routes []string
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[i]))
	}
	var urls []string
	for i, port := range ports {
		ns, err := server.NewServer(&server.Options{ServerName: fmt.Sprintf("lease-%d", i), Host: "127.0.0.1", Port: server.RANDOM_PORT,
			JetStream: true, StoreDir: t.TempDir(), NoLog: true, NoSigs: true,
			Cluster: server.ClusterOpts{Name: "lease-test", Host: "127.0.0.1", Port: port},
			Routes:  server.RoutesFromStr(strings.Join(routes, ","))})
		must(t, err)
		go ns.Start()
		t.Cleanup(ns.Shutdown)
		if !ns.ReadyForConnections(30 * time.Second) {
			t.Fatal("a NATS server did not start")
		}
		urls = append(urls, ns.ClientURL())
	}
	nc, err := nats.Connect(strings.Join(urls, ","))
	must(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	must(t, err)
	ctx := context.Background()
	eventually.True(t, 60*time.Second, "the bucket created with 3 replicas", func() bool {
		_, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: leaseBucket, TTL: 10 * time.Second, History: 1, Replicas: 3})
		return err == nil
	})
	l, err := openLease(ctx, js, "ADVISORIES", filepath.Join(t.TempDir(), "heed.db"), 4*time.Second, slog.New(slog.DiscardHandler))
	must(t, err)
	st, err := l.kv.Status(ctx)
	must(t, err)
	info := st.(*jetstream.KeyValueBucketStatus).StreamInfo()
	if info.Config.Replicas != 3 || info.Config.MaxAge != 4*time.Second {
		t.Errorf("after openLease the bucket has %d replicas and TTL %v; want 3 and the lease's 4s", info.Config.Replicas, info.Config.MaxAge)
	}
}
