package main

import (
	"fmt"

	"github.com/datashare/datashare/gen"
	"github.com/getkin/kin-openapi/openapi3"
)

// embeddedContract names the contract built into the binary.
const embeddedContract = "embedded contract (openapi.yaml)"

// loadContract loads the OpenAPI document at path, or the embedded contract when path is
// empty, and returns it with a name for reports.
func loadContract(path string) (*openapi3.T, string, error) {
	if path == "" {
		doc, err := gen.Spec()
		if err != nil {
			return nil, "", fmt.Errorf("loading the embedded contract: %w", err)
		}
		return doc, embeddedContract, nil
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = true
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("contract %s: %w", path, err)
	}
	return doc, path, nil
}
