// Package gen holds the code generated from openapi.yaml: its models, the Echo server interface
// with its strict wrapper, the embedded spec, and a byte-for-byte copy of openapi.yaml to
// serve. Nothing in it is written by hand but this file; change openapi.yaml or the
// configuration files beside this one and run `make generate`.
package gen

import _ "embed"

//go:generate go tool oapi-codegen -config types.cfg.yaml ../openapi.yaml
//go:generate go tool oapi-codegen -config server.cfg.yaml ../openapi.yaml
//go:generate cp ../openapi.yaml openapi.yaml

//go:embed openapi.yaml
var specYAML []byte

// SpecYAML returns openapi.yaml as it was when the code was generated, byte for byte.
func SpecYAML() []byte { return append([]byte(nil), specYAML...) }
