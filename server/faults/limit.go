package faults

import (
	"crypto/sha256"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

const (
	// maxClients is the number of clients whose limiters are kept before the idle ones are
	// dropped.
	maxClients = 10_000
	// idleAfter is how long a client must have sent nothing for its limiter to count as idle.
	idleAfter = time.Minute
)

// limiters holds a token bucket per client, created on first use. Their number stays bounded:
// when a new client comes while maxClients are kept, the limiters idle for idleAfter and those
// whose bucket is full (which a new limiter would replace exactly) are dropped, and if more
// than three quarters of maxClients remain, the least recently used are dropped down to that.
// A pruning costs one pass over the clients, at most once every quarter of maxClients new
// clients.
type limiters struct {
	limit rate.Limit
	burst int
	max   int

	mu      sync.Mutex
	clients map[string]*client
}

type client struct {
	lim  *rate.Limiter
	last time.Time // when it last sent a request
}

func newLimiters(perSecond float64, burst int) *limiters {
	return &limiters{
		limit:   rate.Limit(perSecond),
		burst:   burst,
		max:     maxClients,
		clients: make(map[string]*client),
	}
}

// reserve takes a token for one request of the client key at now. It returns 0 if the request
// is allowed, or else how long until the bucket would allow it, and then takes nothing.
func (l *limiters) reserve(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	cl := l.clients[key]
	if cl == nil {
		if len(l.clients) >= l.max {
			l.prune(now)
		}
		cl = &client{lim: rate.NewLimiter(l.limit, l.burst)}
		l.clients[key] = cl
	}
	cl.last = now
	// The burst is at least 1, so that one token can always be reserved.
	r := cl.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	if d > 0 {
		r.CancelAt(now)
	}
	return d
}

// prune drops limiters as the doc of limiters says. l.mu must be held.
func (l *limiters) prune(now time.Time) {
	for key, cl := range l.clients {
		if now.Sub(cl.last) >= idleAfter || cl.lim.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, key)
		}
	}
	keep := l.max * 3 / 4
	if len(l.clients) <= keep {
		return
	}
	keys := make([]string, 0, len(l.clients))
	for key := range l.clients {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b string) int { return l.clients[a].last.Compare(l.clients[b].last) })
	for _, key := range keys[:len(keys)-keep] {
		delete(l.clients, key)
	}
}

// size returns the number of limiters kept.
func (l *limiters) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.clients)
}

// clientKey identifies the client of a request for rate limiting: by the bearer token of
// Authorization (hashed, so that keys have a bounded size and hold no credential), else by
// the IP address Echo finds for it.
func clientKey(c echo.Context) string {
	scheme, token, ok := strings.Cut(c.Request().Header.Get(echo.HeaderAuthorization), " ")
	if token = strings.TrimSpace(token); ok && strings.EqualFold(scheme, "Bearer") && token != "" {
		sum := sha256.Sum256([]byte(token))
		return "bearer:" + string(sum[:])
	}
	return "ip:" + c.RealIP()
}
