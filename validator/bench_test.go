package validator_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/datashare/datashare/validator"
)

// BenchmarkCheckExchange measures the validation of one recorded exchange — route lookup,
// request (security, parameters, body) and response (headers, body) — as `datashare validate`
// and the proxy do it:
//
//	go test -run '^$' -bench CheckExchange -benchmem ./validator/
func BenchmarkCheckExchange(b *testing.B) {
	v := newValidator(b)
	u, err := url.Parse("https://api.example.com/v2/books")
	if err != nil {
		b.Fatal(err)
	}
	ex := validator.Exchange{
		Method: http.MethodPost,
		URL:    u,
		RequestHeader: http.Header{
			"Authorization": {"Bearer t0ken"},
			"Content-Type":  {"application/json"},
		},
		RequestBody: []byte(`{"title":"Dune","genre":"science","authorIds":["` + authorID + `"],"publisher":{"name":"Chilton","country":"US"}}`),
		Status:      http.StatusCreated,
		ResponseHeader: http.Header{
			"Content-Type": {"application/json"},
			"Location":     {"https://api.example.com/v2/books/" + bookID},
			"X-Rate-Limit": {"99"},
		},
		ResponseBody: []byte(`{"id":"` + bookID + `","title":"Dune","genre":"science","authorIds":["` + authorID + `"],"publisher":{"name":"Chilton","country":"US"}}`),
	}
	ctx := context.Background()
	if res := v.CheckExchange(ctx, ex); !res.OK() {
		b.Fatalf("the exchange breaks the contract:\n%s", res.Describe())
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := v.CheckExchange(ctx, ex); !res.OK() {
			b.Fatal("violation")
		}
	}
}
