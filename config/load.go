package config

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// documentSeparator matches a YAML document separator line.
var documentSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

// LoadProfiles decodes a profiles ConfigMap (YAML or JSON) and every profile in it.
//
// source is the file name used in error messages ("-" for stdin). data must hold exactly one
// v1 ConfigMap; its name is free (ConfigMapName is the convention). Decoding is strict at both
// levels: an unknown or duplicate field in the ConfigMap or in a profile is an error, and so
// are profiles in binaryData, which the injector never reads. All problems are reported, each
// as `<source>: ConfigMap <ns>/<name>: data[<key>]: <field path>: <message>`.
func LoadProfiles(source string, data []byte) (*ProfileSet, error) {
	cm, err := decodeConfigMap(source, data)
	if err != nil {
		return nil, err
	}
	set := &ProfileSet{Source: source, Namespace: cm.Namespace, Name: cm.Name}
	if len(cm.BinaryData) > 0 {
		keys := sortedKeys(cm.BinaryData)
		return nil, fmt.Errorf("%s: binaryData[%s]: profiles must be in data as JSON text", set.Location(""), keys[0])
	}
	if len(cm.Data) == 0 {
		return nil, fmt.Errorf("%s: data: no profiles", set.Location(""))
	}
	var errs []error
	for _, key := range sortedKeys(cm.Data) {
		p, err := decodeProfile(key, cm.Data[key])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", set.Location(key), err))
			continue
		}
		if fe := validateProfile(p); len(fe) > 0 {
			for _, e := range fe {
				errs = append(errs, fmt.Errorf("%s: %s", set.Location(key), fieldErrorText(e)))
			}
			continue
		}
		set.Profiles = append(set.Profiles, *p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// decodeConfigMap checks that data is one v1 ConfigMap and decodes it strictly.
func decodeConfigMap(source string, data []byte) (*corev1.ConfigMap, error) {
	docs := 0
	for _, doc := range documentSeparator.Split(string(data), -1) {
		if strings.TrimSpace(stripComments(doc)) != "" {
			docs++
		}
	}
	if docs != 1 {
		return nil, fmt.Errorf("%s: want exactly one ConfigMap document, found %d", source, docs)
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	var tm metav1.TypeMeta
	if err := kjson.UnmarshalCaseSensitivePreserveInts(js, &tm); err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	if tm.APIVersion != "v1" || tm.Kind != "ConfigMap" {
		return nil, fmt.Errorf("%s: want apiVersion v1, kind ConfigMap, got apiVersion %q, kind %q", source, tm.APIVersion, tm.Kind)
	}
	var cm corev1.ConfigMap
	strict, err := kjson.UnmarshalStrict(js, &cm)
	if err != nil {
		return nil, fmt.Errorf("%s: ConfigMap: %w", source, err)
	}
	obj := cm.Name
	if cm.Namespace != "" {
		obj = cm.Namespace + "/" + cm.Name
	}
	if len(strict) > 0 {
		return nil, fmt.Errorf("%s: ConfigMap %s: %w", source, obj, strictErrors(strict))
	}
	if cm.Name == "" {
		return nil, fmt.Errorf("%s: ConfigMap: metadata.name: required", source)
	}
	return &cm, nil
}

// stripComments drops YAML comment lines so that a file holding only comments after a
// separator does not count as a document.
func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// decodeProfile strictly decodes one data value. The value must be JSON, as it is for the
// upstream injector, which uses encoding/json.
func decodeProfile(key, value string) (*Profile, error) {
	if strings.TrimSpace(value) == "" {
		return nil, errors.New("empty profile: the injector fails pod creation for an empty template")
	}
	p := &Profile{}
	strict, err := kjson.UnmarshalStrict([]byte(value), p)
	if err != nil {
		if ok, off := kjson.SyntaxErrorOffset(err); ok {
			line, col := lineCol(value, off)
			return nil, fmt.Errorf("invalid JSON at line %d, column %d: %w", line, col, err)
		}
		return nil, err
	}
	if len(strict) > 0 {
		return nil, strictErrors(strict)
	}
	p.Name = key
	return p, nil
}

// strictErrors turns sigs.k8s.io/json strict errors into "path: unknown field" lines.
func strictErrors(errs []error) error {
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var fe kjson.FieldError
		if errors.As(e, &fe) {
			// The library formats "<kind> <quoted path>"; the kind is what precedes the path.
			kind := strings.TrimSuffix(e.Error(), " "+strconv.Quote(fe.FieldPath()))
			out = append(out, fmt.Errorf("%s: %s", fe.FieldPath(), kind))
			continue
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

// lineCol turns a decoder offset (bytes read, including the offending byte) into the 1-based
// line and column of the offending byte.
func lineCol(s string, off int64) (int, int) {
	idx := int(off) - 1
	if idx > len(s) {
		idx = len(s)
	}
	if idx < 0 {
		idx = 0
	}
	before := s[:idx]
	line := strings.Count(before, "\n") + 1
	col := idx - strings.LastIndex(before, "\n")
	return line, col
}

// fieldErrorText renders a field.Error as "path: message" without the type prefix
// field.Error adds ("Invalid value: ..."), which is noise next to a JSON path.
func fieldErrorText(e *field.Error) string {
	msg := e.Detail
	switch e.Type {
	case field.ErrorTypeRequired:
		msg = "required"
		if e.Detail != "" {
			msg += ": " + e.Detail
		}
	case field.ErrorTypeDuplicate:
		msg = fmt.Sprintf("duplicate value %q", fmt.Sprint(e.BadValue))
		if e.Detail != "" {
			msg += ": " + e.Detail
		}
	case field.ErrorTypeNotSupported:
		msg = fmt.Sprintf("unsupported value %q: %s", fmt.Sprint(e.BadValue), e.Detail)
	case field.ErrorTypeForbidden:
		if msg == "" {
			msg = string(e.Type)
		}
	default:
		if e.BadValue != nil && e.BadValue != "" {
			msg = fmt.Sprintf("invalid value %q: %s", fmt.Sprint(e.BadValue), e.Detail)
		}
	}
	if e.Field == "<nil>" || e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
