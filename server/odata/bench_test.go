package odata

import "testing"

// typical is a $filter as a client of the resource would send it.
const typical = "sharingState eq 'active' and startswith(displayName, 'Contoso') and inviteeUserIds/any(i: i eq 'bbb-2')"

func BenchmarkParseFilter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFilter(typical, schema); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	e, err := ParseFilter(typical, schema)
	if err != nil {
		b.Fatal(err)
	}
	r := records[0]
	b.ReportAllocs()
	for b.Loop() {
		if !Eval(e, r) {
			b.Fatalf("Eval(%q) = false; want true", typical)
		}
	}
}

func BenchmarkParseFilterEval(b *testing.B) {
	r := records[0]
	b.ReportAllocs()
	for b.Loop() {
		e, err := ParseFilter(typical, schema)
		if err != nil {
			b.Fatal(err)
		}
		if !Eval(e, r) {
			b.Fatalf("Eval(%q) = false; want true", typical)
		}
	}
}
