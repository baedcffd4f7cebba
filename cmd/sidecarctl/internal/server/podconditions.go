package server

import (
	"sort"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxConditionBytes bounds the pod webhook's CEL expression. The API server parses at most
// 100,000 code points per expression (cel-go's parser default, which Kubernetes keeps), and the
// whole configuration should stay far below etcd's 1.5 MiB request limit; 64 KB leaves room for
// the CA bundle and the other webhooks within 100 KB.
const maxConditionBytes = 64 << 10

// podConditionName names the pod webhook's match condition.
const podConditionName = "pod-has-a-selector-key"

// podScope is what the pod webhook must receive: the pods carrying at least one of keys, or,
// when all is set, every pod (a selector that requires no label can select an unlabelled pod).
type podScope struct {
	keys []string
	// values of each key a pod must carry one of (Kubernetes label values never contain
	// anyValue); anyValue alone for Exists.
	values map[string][]string
	all    bool
	// selectors counts the selectors that can match, for the configuration's annotation.
	selectors int
}

// requiredKeys are the label keys a pod must carry to match sel: the keys of its matchLabels
// and of its In and Exists expressions. NotIn and DoesNotExist hold for a pod without the key
// (Kubernetes "Labels and Selectors": set-based requirements), so they require nothing; nor
// does an unknown operator, for which nothing is claimed.
func requiredKeys(sel *metav1.LabelSelector) []string {
	keys := make([]string, 0, len(sel.MatchLabels)+len(sel.MatchExpressions))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	for _, r := range sel.MatchExpressions {
		if r.Operator == metav1.LabelSelectorOpIn || r.Operator == metav1.LabelSelectorOpExists {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// scopeOf reduces selectors to one required key each: a pod that carries none of the chosen
// keys cannot match any of the selectors. Each selector contributes the required key that the
// most selectors require (ties to the smallest key), so that selectors sharing a key like
// "app" contribute it once. Empty selectors never match (Kruise) and are skipped by the caller.
func scopeOf(selectors []*metav1.LabelSelector) podScope {
	required := make([][]string, len(selectors))
	count := map[string]int{}
	for i, sel := range selectors {
		required[i] = requiredKeys(sel)
		seen := map[string]bool{}
		for _, k := range required[i] {
			if !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	scope := podScope{selectors: len(selectors), values: map[string][]string{}}
	chosen := map[string]bool{}
	for i, keys := range required {
		if len(keys) == 0 {
			return podScope{all: true, selectors: len(selectors)}
		}
		best := keys[0]
		for _, k := range keys[1:] {
			if count[k] > count[best] || count[k] == count[best] && k < best {
				best = k
			}
		}
		chosen[best] = true
		scope.values[best] = append(scope.values[best], requiredValues(selectors[i], best)...)
	}
	for k := range chosen {
		scope.keys = append(scope.keys, k)
		scope.values[k] = dedupe(scope.values[k])
	}
	sort.Strings(scope.keys)
	return scope
}

// anyValue stands for "any value" in a key's value list: label values never contain it.
const anyValue = "*"

// requiredValues are the values sel allows for key, a key it requires: its matchLabels value,
// or the values of its In requirement (anyValue for Exists).
func requiredValues(sel *metav1.LabelSelector, key string) []string {
	if v, ok := sel.MatchLabels[key]; ok {
		return []string{v}
	}
	for _, r := range sel.MatchExpressions {
		if r.Key == key && r.Operator == metav1.LabelSelectorOpIn {
			return r.Values
		}
	}
	return []string{anyValue}
}

// dedupe sorts values without duplicates; anyValue absorbs the others.
func dedupe(values []string) []string {
	set := map[string]bool{}
	for _, v := range values {
		set[v] = true
	}
	if set[anyValue] {
		return []string{anyValue}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// matchConditions is the pod webhook's CEL condition for scope (Kubernetes "Dynamic Admission
// Control": matching requests with matchConditions). Nil means every pod is sent.
//
// The first that fits maxConditionBytes: keys and their values (valuedCondition); keys only,
// iterating the constant key list and looking each key up in the pod's labels (cost bounded by
// the number of keys whatever the pod carries); key prefixes, the keys shortened to the
// longest common length whose distinct prefixes fit, iterating the pod's labels and looking
// each one's prefix up in constant maps (keys shorter than that length are kept whole). Each
// step sends more pods that the handler then finds no match for.
func matchConditions(scope podScope) []admissionregistrationv1.MatchCondition {
	if scope.all || len(scope.keys) == 0 {
		return nil
	}
	expr := valuedCondition(scope)
	if expr == "" {
		expr = exactCondition(scope.keys)
	}
	if len(expr) > maxConditionBytes {
		expr = prefixCondition(scope.keys)
	}
	if expr == "" {
		return nil
	}
	return []admissionregistrationv1.MatchCondition{{Name: podConditionName, Expression: expr}}
}

const hasLabels = "has(object.metadata.labels) && "

// valuedCondition tests keys and values: it iterates a constant map from each key to the
// values a pod must carry one of (anyValue: any), with a two-variable exists (CEL
// two-variable comprehensions, Kubernetes 1.32). When the map does not fit maxConditionBytes,
// the keys with the largest value lists accept any value, one at a time, until it fits; it
// returns "" when no key keeps its values (the key-only conditions are smaller then).
func valuedCondition(scope podScope) string {
	const around = len(hasLabels) + 120
	listSize := func(vs []string) int {
		n := 2
		for _, v := range vs {
			n += len(strconv.Quote(v)) + 2
		}
		return n
	}
	anySize := listSize([]string{anyValue})
	values := make(map[string][]string, len(scope.keys))
	size := around
	for _, k := range scope.keys {
		values[k] = scope.values[k]
		size += len(strconv.Quote(k)) + 2 + listSize(values[k])
	}
	byCost := append([]string(nil), scope.keys...)
	sort.SliceStable(byCost, func(i, j int) bool { return listSize(values[byCost[i]]) > listSize(values[byCost[j]]) })
	kept := len(scope.keys)
	for _, k := range byCost {
		if size <= maxConditionBytes {
			break
		}
		if len(values[k]) == 1 && values[k][0] == anyValue {
			kept--
			continue
		}
		size += anySize - listSize(values[k])
		values[k] = []string{anyValue}
		kept--
	}
	if size > maxConditionBytes || kept == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(hasLabels + "{")
	for i, k := range scope.keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k) + ": [")
		for j, v := range values[k] {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(v))
		}
		b.WriteString("]")
	}
	b.WriteString(`}.exists(k, vs, k in object.metadata.labels && ("*" in vs || object.metadata.labels[k] in vs))`)
	return b.String()
}

func exactCondition(keys []string) string {
	var b strings.Builder
	b.WriteString(hasLabels + "[")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k))
	}
	b.WriteString("].exists(k, k in object.metadata.labels)")
	return b.String()
}

// prefixCondition returns the condition on the longest prefix length that fits, or "" when
// none does (every pod is then sent).
func prefixCondition(keys []string) string {
	longest := 0
	for _, k := range keys {
		longest = max(longest, len(k))
	}
	for n := longest - 1; n > 0; n-- {
		short, prefixes := map[string]bool{}, map[string]bool{}
		for _, k := range keys {
			if len(k) < n {
				short[k] = true
			} else {
				prefixes[k[:n]] = true
			}
		}
		// Each entry costs its quoted key, ": true, " and the expression around them.
		size := len(hasLabels) + 120
		for k := range short {
			size += len(k) + 10
		}
		for k := range prefixes {
			size += len(k) + 10
		}
		if size > maxConditionBytes {
			continue
		}
		var b strings.Builder
		b.WriteString(hasLabels + "object.metadata.labels.exists(k, ")
		if len(short) > 0 {
			b.WriteString("k in " + celSet(short) + " || ")
		}
		b.WriteString("size(k) >= " + strconv.Itoa(n) + " && k.substring(0, " + strconv.Itoa(n) + ") in " + celSet(prefixes) + ")")
		return b.String()
	}
	return ""
}

// celSet writes keys as a CEL map literal to true, whose membership test costs one lookup.
func celSet(keys map[string]bool) string {
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range sorted {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k) + ": true")
	}
	b.WriteString("}")
	return b.String()
}
