package sidecarset

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"
)

// The expression language of resourcesPolicy.resourcesExpr (Kruise v1.9.0,
// pkg/util/calculator; sidecarset/BEHAVIOUR.md §8.5): + - * /, parentheses, unary minus,
// max(a, b) and min(a, b); numbers (with exponents), N% (the number N/100), quantities (a
// number with one of the suffixes m k M G T P Ki Mi Gi Ti Pi) and one variable. A value is a
// plain number or a quantity; their arithmetic is Kruise's, including its truncations.

// exprValue is a number (q == nil) or a quantity.
type exprValue struct {
	n float64
	q *resource.Quantity
}

func (v exprValue) String() string {
	if v.q != nil {
		return v.q.String()
	}
	return strconv.FormatFloat(v.n, 'g', -1, 64)
}

func (v exprValue) negative() bool {
	if v.q != nil {
		return v.q.Sign() < 0
	}
	return v.n < 0
}

// quantityOf turns a number n into the quantity n: n*1000 milli-units, truncated.
func quantityOf(n float64) *resource.Quantity {
	return resource.NewMilliQuantity(int64(n*1000), resource.DecimalSI)
}

// scaled is trunc(milliValue(q) op n) in milli-units, in q's format.
func scaled(q *resource.Quantity, n float64, div bool) *resource.Quantity {
	m := float64(q.MilliValue())
	if div {
		m /= n
	} else {
		m *= n
	}
	return resource.NewMilliQuantity(int64(m), q.Format)
}

// exprParser evaluates while it parses (recursive descent).
type exprParser struct {
	toks []exprToken
	pos  int
	vars map[string]exprValue
}

func (p *exprParser) peek() exprToken { return p.toks[p.pos] }
func (p *exprParser) next() exprToken {
	t := p.toks[p.pos]
	if t.kind != tokEnd {
		p.pos++
	}
	return t
}

// evalExpr evaluates expr with the variables vars (keys lower-case; names in expr are looked
// up lower-cased).
func evalExpr(expr string, vars map[string]exprValue) (exprValue, error) {
	toks, err := tokenize(expr)
	if err != nil {
		return exprValue{}, err
	}
	p := &exprParser{toks: toks, vars: vars}
	v, err := p.sum()
	if err != nil {
		return exprValue{}, err
	}
	if t := p.peek(); t.kind != tokEnd {
		return exprValue{}, fmt.Errorf("unexpected token %q", t.text)
	}
	return v, nil
}

func (p *exprParser) sum() (exprValue, error) {
	left, err := p.product()
	if err != nil {
		return left, err
	}
	for t := p.peek(); t.kind == tokOp && (t.text == "+" || t.text == "-"); t = p.peek() {
		p.next()
		right, err := p.product()
		if err != nil {
			return right, err
		}
		left = addValues(left, right, t.text == "-")
	}
	return left, nil
}

func (p *exprParser) product() (exprValue, error) {
	left, err := p.unary()
	if err != nil {
		return left, err
	}
	for t := p.peek(); t.kind == tokOp && (t.text == "*" || t.text == "/"); t = p.peek() {
		p.next()
		right, err := p.unary()
		if err != nil {
			return right, err
		}
		if t.text == "*" {
			left, err = mulValues(left, right)
		} else {
			left, err = divValues(left, right)
		}
		if err != nil {
			return left, err
		}
	}
	return left, nil
}

func (p *exprParser) unary() (exprValue, error) {
	if t := p.peek(); t.kind == tokOp && t.text == "-" {
		p.next()
		v, err := p.unary()
		if err != nil {
			return v, err
		}
		if v.q != nil {
			q := v.q.DeepCopy()
			q.Neg()
			return exprValue{q: &q}, nil
		}
		return exprValue{n: -v.n}, nil
	}
	return p.primary()
}

func (p *exprParser) primary() (exprValue, error) {
	t := p.next()
	switch {
	case t.kind == tokValue:
		return t.val, nil
	case t.kind == tokOp && t.text == "(":
		v, err := p.sum()
		if err != nil {
			return v, err
		}
		if c := p.next(); c.kind != tokOp || c.text != ")" {
			return v, errors.New("missing closing parenthesis")
		}
		return v, nil
	case t.kind == tokIdent:
		name := strings.ToLower(t.text)
		if n := p.peek(); n.kind == tokOp && n.text == "(" {
			p.next()
			return p.call(name)
		}
		v, ok := p.vars[name]
		if !ok {
			return v, fmt.Errorf("undefined variable: %s", name)
		}
		return v, nil
	case t.kind == tokEnd:
		return exprValue{}, errors.New("unexpected end of expression")
	}
	return exprValue{}, fmt.Errorf("unexpected token %q", t.text)
}

// call evaluates max(a, b) or min(a, b); the opening parenthesis is read.
func (p *exprParser) call(name string) (exprValue, error) {
	if name != "max" && name != "min" {
		return exprValue{}, fmt.Errorf("unknown function: %s", name)
	}
	var args []exprValue
	for {
		v, err := p.sum()
		if err != nil {
			return v, err
		}
		args = append(args, v)
		t := p.next()
		if t.kind == tokOp && t.text == "," {
			continue
		}
		if t.kind == tokOp && t.text == ")" {
			break
		}
		return exprValue{}, fmt.Errorf("%s: missing closing parenthesis", name)
	}
	if len(args) != 2 {
		return exprValue{}, fmt.Errorf("%s requires exactly 2 arguments, got %d", name, len(args))
	}
	a, b := args[0], args[1]
	if a.q == nil && b.q == nil {
		if name == "max" {
			return exprValue{n: math.Max(a.n, b.n)}, nil
		}
		return exprValue{n: math.Min(a.n, b.n)}, nil
	}
	qa, qb := asQuantity(a), asQuantity(b)
	pick := qa.Cmp(*qb) >= 0
	if name == "min" {
		pick = qa.Cmp(*qb) <= 0
	}
	if pick {
		return exprValue{q: qa}, nil
	}
	return exprValue{q: qb}, nil
}

func asQuantity(v exprValue) *resource.Quantity {
	if v.q != nil {
		return v.q
	}
	return quantityOf(v.n)
}

func addValues(a, b exprValue, subtract bool) exprValue {
	if a.q == nil && b.q == nil {
		if subtract {
			return exprValue{n: a.n - b.n}
		}
		return exprValue{n: a.n + b.n}
	}
	out := asQuantity(a).DeepCopy()
	if subtract {
		out.Sub(*asQuantity(b))
	} else {
		out.Add(*asQuantity(b))
	}
	return exprValue{q: &out}
}

func mulValues(a, b exprValue) (exprValue, error) {
	switch {
	case a.q != nil && b.q != nil:
		return exprValue{}, errors.New("multiplication of two quantities")
	case a.q != nil:
		return exprValue{q: scaled(a.q, b.n, false)}, nil
	case b.q != nil:
		return exprValue{q: scaled(b.q, a.n, false)}, nil
	}
	return exprValue{n: a.n * b.n}, nil
}

func divValues(a, b exprValue) (exprValue, error) {
	switch {
	case b.q != nil:
		return exprValue{}, errors.New("division by quantity")
	case b.n == 0:
		return exprValue{}, errors.New("division by zero")
	case a.q != nil:
		return exprValue{q: scaled(a.q, b.n, true)}, nil
	}
	return exprValue{n: a.n / b.n}, nil
}

// exprVariable is the variable an expression is evaluated with at pod creation: "memory" if
// the whole word memory (case-sensitive) occurs in its text, else "cpu".
func exprVariable(expr string) string {
	for i := 0; ; {
		j := strings.Index(expr[i:], "memory")
		if j < 0 {
			return "cpu"
		}
		start, end := i+j, i+j+len("memory")
		if (start == 0 || !isWordByte(expr[start-1])) && (end == len(expr) || !isWordByte(expr[end])) {
			return "memory"
		}
		i = end
	}
}

func isWordByte(c byte) bool { return isLetter(c) || isDigit(c) || c == '_' }

// computeQuantity evaluates expr with its variable bound to value and returns the resulting
// quantity: a final plain number is millicores (trunc(n*1000)) when the variable is cpu,
// bytes (trunc(n)) when it is memory. A negative result is an error.
func computeQuantity(expr string, value resource.Quantity) (resource.Quantity, error) {
	name := exprVariable(expr)
	v, err := evalExpr(expr, map[string]exprValue{name: {q: &value}})
	if err != nil {
		return resource.Quantity{}, err
	}
	if v.negative() {
		return resource.Quantity{}, fmt.Errorf("calculation result is negative: %s", v)
	}
	if v.q != nil {
		return *v.q, nil
	}
	if name == "cpu" {
		return *resource.NewMilliQuantity(int64(v.n*1000), resource.DecimalSI), nil
	}
	return *resource.NewQuantity(int64(v.n), resource.DecimalSI), nil
}

// checkExpr is the validating webhook's test of an expression: evaluated with the field's own
// variable (cpu or memory) bound to the plain number 1, it must succeed and not be negative.
func checkExpr(expr, variable string) error {
	v, err := evalExpr(expr, map[string]exprValue{variable: {n: 1}})
	if err != nil {
		return err
	}
	if v.negative() {
		return fmt.Errorf("calculation result is negative: %s", v)
	}
	return nil
}
