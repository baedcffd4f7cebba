package sidecarset

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/resource"
)

// TestComputeQuantity pins the worked values of Kruise v1.9.0's calculator
// (pkg/util/calculator; sidecarset/BEHAVIOUR.md §8.5): rounding, units and formats.
func TestComputeQuantity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		expr, value, want, err string
	}{
		{expr: "cpu*50%", value: "600m", want: "300m"},
		{expr: "cpu*50%", value: "150m", want: "75m"},
		{expr: "max(cpu*50%, 50m)", value: "400m", want: "200m"},
		{expr: "max(cpu*50%, 50m)", value: "40m", want: "50m"},
		{expr: "min(cpu, 1)", value: "3", want: "1"},
		{expr: "cpu/3", value: "1", want: "333m"},
		{expr: "memory*33%", value: "1Gi", want: "354334801920m"},
		{expr: "memory*50%", value: "1536Mi", want: "768Mi"},
		{expr: "cpu*50%", value: "3", want: "1500m"},
		{expr: "memory", value: "2073741824", want: "2073741824"},
		{expr: "cpu*50%", value: "0", want: "0"},
		{expr: "max(cpu*10%, 0.1)", value: "0", want: "100m"},
		{expr: "0.5", value: "1Gi", want: "500m"},
		{expr: "1024", value: "1Gi", want: "1024"},
		{expr: "100Mb", value: "1Gi", want: "0"},
		{expr: "0.5*cpu - 0.3*max(0, cpu-4) + 0.3*max(0, cpu-8)", value: "10", want: "3800m"},
		{expr: "-(cpu - 3)", value: "2", want: "1"},
		{expr: "1.5Gi/2 + 1e3*0", value: "1", want: "768Mi"},
		{expr: "cpu - 2", value: "1", err: "calculation result is negative"},
		{expr: "cpu*2m", value: "1", err: "multiplication of two quantities"},
		{expr: "100m/cpu", value: "1", err: "division by quantity"},
		{expr: "cpu/0", value: "1", err: "division by zero"},
		{expr: "MEMORY*50%", value: "1Gi", err: "undefined variable: memory"},
		{expr: "max(cpu*50%)", value: "1", err: "exactly 2 arguments"},
		{expr: "avg(cpu, 1)", value: "1", err: "unknown function: avg"},
		{expr: "(cpu*50%", value: "1", err: "missing closing parenthesis"},
		{expr: "cpu * ", value: "1", err: "unexpected end"},
	}
	for _, tc := range tests {
		t.Run(tc.expr+"@"+tc.value, func(t *testing.T) {
			got, err := computeQuantity(tc.expr, resource.MustParse(tc.value))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != tc.want {
				t.Errorf("= %s, want %s", got.String(), tc.want)
			}
		})
	}
}

// TestCheckExpr: the validating webhook evaluates each expression with the field's own
// variable bound to the plain number 1 (sidecarset/BEHAVIOUR.md §8.6).
func TestCheckExpr(t *testing.T) {
	t.Parallel()
	tests := []struct{ expr, variable, err string }{
		{"cpu*50%", "cpu", ""},
		{"cpu*2m", "cpu", ""},
		{"100m/cpu", "cpu", ""},
		{"100Mb", "memory", ""},
		{"MEMORY*50%", "memory", ""},
		{"0.5*cpu - 0.3*max(0, cpu-4) + 0.3*max(0, cpu-8)", "cpu", ""},
		{"memory*50%", "cpu", "undefined variable: memory"},
		{"cpu - 2", "cpu", "calculation result is negative"},
		{"max(cpu*50%)", "cpu", "exactly 2 arguments"},
		{"cpu/0", "cpu", "division by zero"},
		{"gpu", "cpu", "undefined variable: gpu"},
	}
	for _, tc := range tests {
		err := checkExpr(tc.expr, tc.variable)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s (%s): %v", tc.expr, tc.variable, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s (%s): error %v, want %q", tc.expr, tc.variable, err, tc.err)
		}
	}
}

func TestExprVariable(t *testing.T) {
	t.Parallel()
	for expr, want := range map[string]string{"memory*2": "memory", "max(memory, 1Gi)": "memory", "cpu": "cpu",
		"MEMORY*2": "cpu", "memoryx": "cpu", "xmemory": "cpu", "64Mi": "cpu", "a memory": "memory"} {
		if got := exprVariable(expr); got != want {
			t.Errorf("exprVariable(%q) = %s, want %s", expr, got, want)
		}
	}
}
