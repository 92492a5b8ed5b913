// Package extract reads a privacy policy in the vendor's own words (HTML,
// Markdown, plain text, or PDF through pdftotext) and turns it into a
// declaration of package policy in which every statement keeps the
// sentence it came from and its line.
//
// It is rules, not a model, and runs offline: the text is cut into blocks
// under their headings (text.go) and into sentences; each sentence is read
// with a lexicon of data-type and recipient phrases, the knowledge base's
// organisations, verb patterns for collect / share / sell, and negation,
// exception and modality cues (rules.go, rules.yaml, extract.go). The
// rules are data, checked against the ontology when they load, and
// measured against the project's hand annotations of real policies
// (testdata/annotations, eval_test.go), which print precision and recall.
//
// Nothing here prints: Explain and Diff.String return text for cmd/ to
// write. The one outside program is pdftotext, run on a pipe.
package extract
