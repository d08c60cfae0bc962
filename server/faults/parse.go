package faults

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseCodes parses a comma-separated list of HTTP statuses, "429,503", each from 100 to 599.
// An empty string is no status.
func ParseCodes(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var codes []int
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		code, err := strconv.Atoi(part)
		if err != nil || code < 100 || code > 599 {
			return nil, fmt.Errorf("codes %q: %q is not an HTTP status (100 to 599)", s, part)
		}
		codes = append(codes, code)
	}
	return codes, nil
}

// ParseLatency parses a latency: a range of durations, "20ms..200ms", or one duration, "50ms",
// which is both its minimum and its maximum. Durations are those of time.ParseDuration, from 0
// up, and the minimum is at most the maximum. An empty string is no latency.
func ParseLatency(s string) (lo, hi time.Duration, err error) {
	if strings.TrimSpace(s) == "" {
		return 0, 0, nil
	}
	first, second, isRange := strings.Cut(s, "..")
	lo, err = parseDuration(s, first)
	if err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = parseDuration(s, second); err != nil {
			return 0, 0, err
		}
	}
	if lo > hi {
		return 0, 0, fmt.Errorf("latency %q: the minimum %v is more than the maximum %v", s, lo, hi)
	}
	return lo, hi, nil
}

// parseDuration parses one duration of the latency s.
func parseDuration(s, part string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(part))
	if err != nil {
		return 0, fmt.Errorf("latency %q: want a duration (50ms) or a range (20ms..200ms): %w", s, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("latency %q: duration %v is negative", s, d)
	}
	return d, nil
}

// ParseRateLimit parses a rate, a number of requests per second ("10/s", "2.5/s"), minute
// ("600/m") or hour ("3600/h"), into requests per second. An empty string is no limit, 0.
func ParseRateLimit(s string) (float64, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	count, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, fmt.Errorf("rate limit %q: want a number of requests per unit of time: 10/s, 600/m, 3600/h", s)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(count), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return 0, fmt.Errorf("rate limit %q: %q is not a number of requests from 0 up", s, count)
	}
	var per time.Duration
	switch strings.TrimSpace(unit) {
	case "s":
		per = time.Second
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	default:
		return 0, fmt.Errorf("rate limit %q: unit %q is none of s, m, h", s, unit)
	}
	return n / per.Seconds(), nil
}
