package sidecarset

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// The tokens of resourcesPolicy expressions (sidecarset/BEHAVIOUR.md §8.5).

// isQuantitySuffix reports whether s makes a number a quantity (no E or Ei, as in Kruise).
func isQuantitySuffix(s string) bool {
	switch s {
	case "m", "k", "M", "G", "T", "P", "Ki", "Mi", "Gi", "Ti", "Pi":
		return true
	}
	return false
}

type tokenKind int

const (
	tokEnd tokenKind = iota
	tokValue
	tokIdent
	tokOp
)

type exprToken struct {
	kind tokenKind
	text string
	val  exprValue
}

// tokenize splits expr into tokens. A number followed by letters that are not a quantity
// suffix reads as a number that fails to parse and becomes 0, as in Kruise ("100Mb" is 0).
func tokenize(expr string) ([]exprToken, error) {
	var out []exprToken
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isDigit(c) || (c == '.' && i+1 < len(expr) && isDigit(expr[i+1])):
			j := i
			for j < len(expr) && (isDigit(expr[j]) || expr[j] == '.') {
				j++
			}
			// An exponent: e or E, an optional sign, digits.
			if j < len(expr) && (expr[j] == 'e' || expr[j] == 'E') {
				k := j + 1
				if k < len(expr) && (expr[k] == '+' || expr[k] == '-') {
					k++
				}
				if k < len(expr) && isDigit(expr[k]) {
					for k < len(expr) && isDigit(expr[k]) {
						k++
					}
					j = k
				}
			}
			num := expr[i:j]
			k := j
			for k < len(expr) && isLetter(expr[k]) {
				k++
			}
			suffix := expr[j:k]
			switch {
			case isQuantitySuffix(suffix):
				q, err := resource.ParseQuantity(num + suffix)
				if err != nil {
					return nil, fmt.Errorf("invalid quantity: %s", num+suffix)
				}
				out = append(out, exprToken{kind: tokValue, text: num + suffix, val: exprValue{q: &q}})
			case suffix != "":
				out = append(out, exprToken{kind: tokValue, text: num + suffix}) // 0
			case k < len(expr) && expr[k] == '%':
				n, err := strconv.ParseFloat(num, 64)
				if err != nil {
					return nil, fmt.Errorf("invalid number: %s", num)
				}
				out = append(out, exprToken{kind: tokValue, text: num + "%", val: exprValue{n: n / 100}})
				k++
			default:
				n, err := strconv.ParseFloat(num, 64)
				if err != nil {
					return nil, fmt.Errorf("invalid number: %s", num)
				}
				out = append(out, exprToken{kind: tokValue, text: num, val: exprValue{n: n}})
			}
			i = k
		case isLetter(c) || c == '_':
			j := i
			for j < len(expr) && (isLetter(expr[j]) || isDigit(expr[j]) || expr[j] == '_') {
				j++
			}
			out = append(out, exprToken{kind: tokIdent, text: expr[i:j]})
			i = j
		case strings.IndexByte("+-*/(),", c) >= 0:
			out = append(out, exprToken{kind: tokOp, text: string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected character %q at position %d", c, i)
		}
	}
	return append(out, exprToken{kind: tokEnd}), nil
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }
