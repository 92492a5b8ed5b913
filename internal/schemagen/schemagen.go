// Package schemagen derives JSON Schemas (draft 2020-12) from Go types
// through their json tags, so the published schemas of tattle's result
// and declaration formats cannot drift from the code: tests regenerate
// them and compare with the committed files.
package schemagen

import (
	"encoding/json"
	"reflect"
	"strings"
	"time"
)

// Doc adds descriptions to properties, keyed "TypeName.jsonName".
type Doc map[string]string

// Generate returns the schema of v's type.
func Generate(v any, id, title string, doc Doc) ([]byte, error) {
	defs := map[string]any{}
	root := schemaFor(reflect.TypeOf(v), defs, doc)
	s := map[string]any{
		"$schema": "https://json-schema.org/draft/2020-12/schema",
		"$id":     id,
		"title":   title,
		"$defs":   defs,
	}
	for k, x := range root {
		s[k] = x
	}
	return json.MarshalIndent(s, "", "  ")
}

var timeType = reflect.TypeOf(time.Time{})

func schemaFor(t reflect.Type, defs map[string]any, doc Doc) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == timeType {
		return map[string]any{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": []string{"array", "null"}, "items": schemaFor(t.Elem(), defs, doc)}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaFor(t.Elem(), defs, doc)}
	case reflect.Interface:
		return map[string]any{}
	case reflect.Struct:
		name := t.Name()
		if _, ok := defs[name]; !ok {
			defs[name] = nil // placeholder against recursion
			props := map[string]any{}
			var required []string
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				if !f.IsExported() {
					continue
				}
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				parts := strings.Split(tag, ",")
				jn := parts[0]
				if jn == "" {
					jn = f.Name
				}
				p := schemaFor(f.Type, defs, doc)
				if d, ok := doc[name+"."+jn]; ok {
					p = withDesc(p, d)
				}
				props[jn] = p
				optional := false
				for _, o := range parts[1:] {
					if o == "omitempty" || o == "omitzero" {
						optional = true
					}
				}
				if !optional {
					required = append(required, jn)
				}
			}
			def := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
			if len(required) > 0 {
				def["required"] = required
			}
			if d, ok := doc[name]; ok {
				def["description"] = d
			}
			defs[name] = def
		}
		return map[string]any{"$ref": "#/$defs/" + name}
	}
	return map[string]any{}
}

func withDesc(p map[string]any, d string) map[string]any {
	if _, isRef := p["$ref"]; isRef {
		return map[string]any{"allOf": []any{p}, "description": d}
	}
	c := map[string]any{"description": d}
	for k, v := range p {
		c[k] = v
	}
	return c
}
