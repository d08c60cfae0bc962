// Package gen holds the code generated from openapi.yaml: its models, the Echo server interface
// with its strict wrapper, and the embedded spec, a byte-for-byte copy of openapi.yaml. Nothing
// in it is written by hand but this file; change openapi.yaml or the configuration files beside
// this one and run `make generate`.
//
// The spec is embedded as the YAML file rather than with oapi-codegen's embedded-spec option,
// whose document has the operationIds rewritten as Go names: reports and logs must quote the
// contract as written.
package gen

import (
	_ "embed"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go tool oapi-codegen -config types.cfg.yaml ../openapi.yaml
//go:generate go tool oapi-codegen -config server.cfg.yaml ../openapi.yaml
//go:generate cp ../openapi.yaml openapi.yaml

//go:embed openapi.yaml
var specYAML []byte

// SpecYAML returns openapi.yaml as it was when the code was generated, byte for byte.
func SpecYAML() []byte { return append([]byte(nil), specYAML...) }

// Spec returns the contract, loaded from the embedded openapi.yaml with its references
// resolved. Each call returns a new document, which the caller owns.
func Spec() (*openapi3.T, error) {
	return openapi3.NewLoader().LoadFromData(specYAML)
}
