package server

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/datashare/datashare/gen"
	"github.com/datashare/datashare/validator"
	"github.com/getkin/kin-openapi/openapi3"
)

// example is one example of openapi.yaml with the schema it illustrates.
type example struct {
	where     string
	schema    *openapi3.Schema
	value     any
	direction openapi3.SchemaValidationOption // VisitAsRequest or VisitAsResponse
}

// TestEveryExampleValidates proves that every example in openapi.yaml — of parameters, request
// bodies, responses, headers and schemas — validates against its schema, formats included.
func TestEveryExampleValidates(t *testing.T) {
	t.Parallel()
	doc, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	examples := collectExamples(doc)
	if len(examples) < 30 {
		t.Fatalf("found %d examples; the walk of the document is broken", len(examples))
	}
	opts := []openapi3.SchemaValidationOption{
		openapi3.MultiErrors(),
		openapi3.WithStringFormatValidators(validator.DefaultStringFormats()),
	}
	for _, ex := range examples {
		t.Run(ex.where, func(t *testing.T) {
			if err := ex.schema.VisitJSON(ex.value, append(opts, ex.direction)...); err != nil {
				t.Errorf("example does not validate against its schema: %v", err)
			}
		})
	}
}

// TestEveryResponseHasAnExample proves that each status of each operation that has content
// shows a realistic example of it.
func TestEveryResponseHasAnExample(t *testing.T) {
	t.Parallel()
	doc, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				for mediaType, mt := range ref.Value.Content {
					if mt.Example == nil && len(mt.Examples) == 0 {
						t.Errorf("%s %s → %s %s has no example", method, path, status, mediaType)
					}
				}
			}
		}
	}
}

func collectExamples(doc *openapi3.T) []example {
	var out []example
	add := func(where string, schema *openapi3.SchemaRef, value any, direction openapi3.SchemaValidationOption) {
		if schema != nil && schema.Value != nil && value != nil {
			out = append(out, example{where: where, schema: schema.Value, value: value, direction: direction})
		}
	}
	addMedia := func(where string, content openapi3.Content, direction openapi3.SchemaValidationOption) {
		for _, name := range slices.Sorted(maps.Keys(content)) {
			mt := content[name]
			add(where+" "+name, mt.Schema, mt.Example, direction)
			for exName, ex := range mt.Examples {
				if ex.Value != nil {
					add(where+" "+name+" example "+exName, mt.Schema, ex.Value.Value, direction)
				}
			}
		}
	}
	addParameter := func(where string, p *openapi3.Parameter) {
		add(where+" parameter "+p.Name, p.Schema, p.Example, openapi3.VisitAsRequest())
		for exName, ex := range p.Examples {
			if ex.Value != nil {
				add(where+" parameter "+p.Name+" example "+exName, p.Schema, ex.Value.Value, openapi3.VisitAsRequest())
			}
		}
	}
	addResponse := func(where string, r *openapi3.Response) {
		for name, h := range r.Headers {
			add(where+" header "+name, h.Value.Schema, h.Value.Example, openapi3.VisitAsResponse())
		}
		addMedia(where, r.Content, openapi3.VisitAsResponse())
	}

	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, p := range item.Parameters {
			addParameter(path, p.Value)
		}
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				addParameter(where, p.Value)
			}
			if op.RequestBody != nil {
				addMedia(where+" request", op.RequestBody.Value.Content, openapi3.VisitAsRequest())
			}
			for status, r := range op.Responses.Map() {
				addResponse(where+" "+status, r.Value)
			}
		}
	}
	c := doc.Components
	for _, p := range c.Parameters {
		addParameter("components", p.Value)
	}
	for name, r := range c.Responses {
		addResponse("components response "+name, r.Value)
	}
	for name, h := range c.Headers {
		add("components header "+name, h.Value.Schema, h.Value.Example, openapi3.VisitAsResponse())
	}
	for name, s := range c.Schemas {
		walkSchemaExamples("schema "+name, s, map[*openapi3.Schema]bool{}, func(where string, s *openapi3.SchemaRef) {
			// A schema's own example illustrates the schema as a response shows it.
			add(where, s, s.Value.Example, openapi3.VisitAsResponse())
		})
	}
	return out
}

// walkSchemaExamples calls f for s and every schema inside it, once each.
func walkSchemaExamples(where string, s *openapi3.SchemaRef, seen map[*openapi3.Schema]bool, f func(string, *openapi3.SchemaRef)) {
	if s == nil || s.Value == nil || seen[s.Value] {
		return
	}
	seen[s.Value] = true
	f(where, s)
	for name, p := range s.Value.Properties {
		walkSchemaExamples(fmt.Sprintf("%s.%s", where, name), p, seen, f)
	}
	walkSchemaExamples(where+"[]", s.Value.Items, seen, f)
	for i, sub := range s.Value.AllOf {
		walkSchemaExamples(fmt.Sprintf("%s.allOf[%d]", where, i), sub, seen, f)
	}
}

// TestListResponseWritesEveryDocumentedHeader guards listResponse, which writes List's 200
// by hand: if the contract gives that answer another header, this test fails until
// listResponse writes it too.
func TestListResponseWritesEveryDocumentedHeader(t *testing.T) {
	t.Parallel()
	doc, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.Paths.Value("/industryData/dataShareOutgoingFlows").Get
	got := slices.Sorted(maps.Keys(op.Responses.Status(200).Value.Headers))
	// Preference-Applied is written by listResponse; the correlation headers by correlate.
	want := []string{"Preference-Applied", "client-request-id", "request-id"}
	if !slices.Equal(got, want) {
		t.Errorf("List 200 documents headers %q; listResponse writes %q: update it", got, want)
	}
}
