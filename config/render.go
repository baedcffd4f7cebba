package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
	kjson "sigs.k8s.io/json"
)

// placeholder matches a documentation placeholder: a lower-case, dash-separated word in angle
// brackets, such as `<region-id>` or `<your-registry>`. Any of them left in a rendered profile
// would end up verbatim in a pod (an image that cannot be pulled), so it is an error.
var placeholder = regexp.MustCompile(`<[a-z][a-z0-9]*(?:-[a-z0-9]+)*>`)

// regionID is the shape of an Alibaba Cloud region id (cn-hangzhou, ap-southeast-1). The region
// ends up inside image references, so anything else is refused.
var regionID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Render returns a copy of set with every placeholder it knows substituted everywhere in every
// profile (image references, env values, args, annotation keys and values, ...). It knows
// `<region-id>`, from settings.Region.
//
// A placeholder left over afterwards is an error naming the profile and the field path, so an
// unresolvable image reference never reaches a SidecarSet. set is not modified.
func Render(set *ProfileSet, settings Settings) (*ProfileSet, error) {
	if settings.Region != "" && !regionID.MatchString(settings.Region) {
		return nil, fmt.Errorf("%s: region %q: want a region id such as cn-hangzhou", set.Location(""), settings.Region)
	}
	out := &ProfileSet{Source: set.Source, Namespace: set.Namespace, Name: set.Name, Region: settings.Region}
	if set.Region != "" && settings.Region == "" {
		out.Region = set.Region
	}
	var errs []error
	for i := range set.Profiles {
		p := &set.Profiles[i]
		tree, err := toTree(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", set.Location(p.Name), err)
		}
		if settings.Region != "" {
			tree = substitute(tree, RegionPlaceholder, settings.Region)
		}
		for _, u := range unresolved(tree, nil) {
			errs = append(errs, fmt.Errorf("%s: %s", set.Location(p.Name), u))
		}
		rendered, err := fromTree(tree)
		if err != nil {
			return nil, fmt.Errorf("%s: rendering: %w", set.Location(p.Name), err)
		}
		rendered.Name = p.Name
		out.Profiles = append(out.Profiles, *rendered)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// CheckRendered reports every placeholder left in set, one error per field. Translators call
// it so that an unrendered set cannot be compiled by mistake.
func CheckRendered(set *ProfileSet) error {
	var errs []error
	for i := range set.Profiles {
		p := &set.Profiles[i]
		tree, err := toTree(p)
		if err != nil {
			return fmt.Errorf("%s: %w", set.Location(p.Name), err)
		}
		for _, u := range unresolved(tree, nil) {
			errs = append(errs, fmt.Errorf("%s: %s", set.Location(p.Name), u))
		}
	}
	return errors.Join(errs...)
}

// toTree turns a profile into its generic JSON form so that every string, whatever its Go
// type, is reached by one walk with its JSON path.
func toTree(p *Profile) (any, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, err
	}
	return tree, nil
}

func fromTree(tree any) (*Profile, error) {
	b, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	p := &Profile{}
	strict, err := kjson.UnmarshalStrict(b, p)
	if err != nil {
		return nil, err
	}
	if len(strict) > 0 {
		return nil, strictErrors(strict)
	}
	return p, nil
}

func substitute(v any, old, repl string) any {
	switch t := v.(type) {
	case string:
		return strings.ReplaceAll(t, old, repl)
	case []any:
		for i := range t {
			t[i] = substitute(t[i], old, repl)
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[strings.ReplaceAll(k, old, repl)] = substitute(e, old, repl)
		}
		return out
	default:
		return v
	}
}

// unresolved lists "path: unresolved placeholder <x>" for every placeholder left, in path order.
func unresolved(v any, fp *field.Path) []string {
	switch t := v.(type) {
	case string:
		if ph := placeholder.FindAllString(t, -1); len(ph) > 0 {
			return []string{fmt.Sprintf("%s: unresolved placeholder %s%s", fp, strings.Join(ph, ", "), hint(ph))}
		}
	case []any:
		var out []string
		for i, e := range t {
			out = append(out, unresolved(e, fp.Index(i))...)
		}
		return out
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			if ph := placeholder.FindAllString(k, -1); len(ph) > 0 {
				out = append(out, fmt.Sprintf("%s: unresolved placeholder %s in key%s", fp.Child(k), strings.Join(ph, ", "), hint(ph)))
			}
			out = append(out, unresolved(t[k], childPath(fp, k))...)
		}
		return out
	}
	return nil
}

func childPath(fp *field.Path, k string) *field.Path {
	if fp == nil {
		return field.NewPath(k)
	}
	return fp.Child(k)
}

func hint(ph []string) string {
	for _, p := range ph {
		if p == RegionPlaceholder {
			return " (set the region: Settings.Region, --region or region in the settings file)"
		}
	}
	return " (sidecarctl only renders " + RegionPlaceholder + ")"
}
