package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// cluster is a NATS cluster of n servers with JetStream, in this process,
// on the loopback interface: the distributed engine of the design
// (docs/SCALING.md). JetStream replicates the advisory stream over its
// servers; nothing here but configuration.
type cluster struct {
	servers []*server.Server
}

// startCluster starts n servers routed to each other, storing under dir.
func startCluster(n int, dir string) (*cluster, error) {
	// Every server must know every route at start, so the cluster ports
	// are chosen first.
	ports := make([]int, n)
	var routes []string
	for i := range ports {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("start cluster: %w", err)
		}
		ports[i] = l.Addr().(*net.TCPAddr).Port
		l.Close()
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[i]))
	}
	c := &cluster{}
	for i := range n {
		opts := &server.Options{
			ServerName: fmt.Sprintf("sim-%d", i+1),
			Host:       "127.0.0.1",
			Port:       server.RANDOM_PORT,
			JetStream:  true,
			StoreDir:   filepath.Join(dir, fmt.Sprintf("nats-%d", i+1)),
			NoSigs:     true,
			NoLog:      true,
		}
		if n > 1 {
			opts.Cluster = server.ClusterOpts{Name: "heed-sim", Host: "127.0.0.1", Port: ports[i]}
			opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		s, err := server.NewServer(opts)
		if err != nil {
			c.shutdown()
			return nil, fmt.Errorf("start cluster: %w", err)
		}
		go s.Start()
		c.servers = append(c.servers, s)
	}
	for _, s := range c.servers {
		if !s.ReadyForConnections(30 * time.Second) {
			c.shutdown()
			return nil, errors.New("start cluster: a server did not start within 30s")
		}
	}
	return c, nil
}

// url lists every server, as a client's seed list.
func (c *cluster) url() string {
	var urls []string
	for _, s := range c.servers {
		urls = append(urls, s.ClientURL())
	}
	return strings.Join(urls, ",")
}

func (c *cluster) shutdown() {
	for _, s := range c.servers {
		s.Shutdown()
	}
}

// connect returns a connection to the cluster and its JetStream context.
func (c *cluster) connect(name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(c.url(), nats.Name(name))
	if err != nil {
		return nil, nil, fmt.Errorf("connect %s: %w", name, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("connect %s: %w", name, err)
	}
	return nc, js, nil
}

// createStream creates the advisory stream replicated on every server and
// returns once it has a leader, retrying while the cluster elects its
// JetStream leader. Its leader is waited for because a creation that timed
// out (a loaded machine) may still have happened: the next try then finds
// the stream and returns before its replicas have elected a leader, and a
// publish meanwhile has nobody to answer it ("no response from stream").
func (c *cluster) createStream(ctx context.Context, js jetstream.JetStream, name, subject string) error {
	cfg := jetstream.StreamConfig{Name: name, Subjects: []string{subject}, Storage: jetstream.FileStorage,
		Replicas: len(c.servers), Duplicates: 24 * time.Hour}
	deadline := time.Now().Add(time.Minute)
	for {
		s, err := js.CreateStream(ctx, cfg)
		if err == nil {
			err = hasLeader(ctx, s)
		}
		if err == nil {
			return nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return fmt.Errorf("create stream %s (%d replicas): %w", name, cfg.Replicas, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasLeader says why the stream cannot take a message yet, if it cannot.
func hasLeader(ctx context.Context, s jetstream.Stream) error {
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	if info.Cluster != nil && info.Cluster.Leader == "" {
		return errors.New("no leader elected yet")
	}
	return nil
}

// publish publishes an advisory document on subject and returns when the
// publish that JetStream acknowledged was sent. While no server answers for
// the stream (its leader lost on a loaded machine and the next not yet
// elected; jetstream's own retries cover half a second), or the answer is
// late, it tries again for up to a minute, each time with a warning that
// says why; the message id makes a try that was stored, though its answer
// was lost, count once.
func publish(ctx context.Context, js jetstream.JetStream, subject, id string, doc []byte, log *slog.Logger) (time.Time, error) {
	deadline := time.Now().Add(time.Minute)
	for attempt := 1; ; attempt++ {
		sent := time.Now()
		_, err := js.Publish(ctx, subject, doc, jetstream.WithMsgID(id))
		if err == nil {
			return sent, nil
		}
		if !errors.Is(err, jetstream.ErrNoStreamResponse) && !errors.Is(err, context.DeadlineExceeded) ||
			ctx.Err() != nil || time.Now().After(deadline) {
			return sent, fmt.Errorf("publish %s: %w", id, err)
		}
		log.Warn("publish: no answer from the stream; trying again", "advisory", id, "attempt", attempt, "err", err)
		time.Sleep(200 * time.Millisecond)
	}
}

// peer is one of the other instances of a run: a durable consumer of its
// own on the advisory stream, as every Heed instance has, that records when
// the advisory reached it. (Its partition's matching and mail are those of
// the one instance run for real; see run.)
type peer struct {
	nc       *nats.Conn
	cons     jetstream.Consumer
	received chan time.Time
}

// addPeer creates the peer's durable consumer; start makes it read.
func (c *cluster) addPeer(ctx context.Context, stream, durable string) (*peer, error) {
	nc, js, err := c.connect(durable)
	if err != nil {
		return nil, err
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, stream, jetstream.ConsumerConfig{Durable: durable, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("consumer %s: %w", durable, err)
	}
	return &peer{nc: nc, cons: cons, received: make(chan time.Time, 1)}, nil
}

func (p *peer) start() error {
	_, err := p.cons.Consume(func(msg jetstream.Msg) {
		now := time.Now()
		msg.Ack()
		select {
		case p.received <- now:
		default:
		}
	})
	if err != nil {
		return fmt.Errorf("consume: %w", err)
	}
	return nil
}
