package schemagen

import (
	"bytes"
	"fmt"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Validate checks a JSON document against a JSON Schema (both as bytes).
func Validate(schema, doc []byte) error {
	s, err := jsonschema.UnmarshalJSON(bytes.NewReader(schema))
	if err != nil {
		return fmt.Errorf("schemagen: schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem://schema.json", s); err != nil {
		return err
	}
	sch, err := c.Compile("mem://schema.json")
	if err != nil {
		return fmt.Errorf("schemagen: compile: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("schemagen: document: %w", err)
	}
	return sch.Validate(inst)
}
