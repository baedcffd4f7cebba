package finding

import "sort"

// Area groups codes by the part of sidecarctl that reports them, for the README's table.
type Area string

const (
	AreaInjection Area = "injection"
	AreaRefusal   Area = "refusal"
	AreaWorkload  Area = "workload"
	AreaState     Area = "state"
	AreaVersion   Area = "kruise-version"
	AreaTranslate Area = "translate"
	AreaPlatform  Area = "platform"
	AreaStamp     Area = "stamp"
	AreaBinding   Area = "binding"
	AreaJob       Area = "job"
	AreaUninject  Area = "uninject"
	AreaQuirk     Area = "kruise-quirk"
	AreaAudit     Area = "audit"
	AreaMigrate   Area = "migrate"
)

// Description says what a Code means, once.
type Description struct {
	Code Code
	Area Area
	// Meaning is one sentence: when the code is reported.
	Meaning string
}

// registered returns every Code; each codes_*.go file gives its area's codes in an init-free
// way: a function returning a fresh slice literal per file, joined by Registry.
func registered() [][]Description {
	return [][]Description{
		injectionCodes(), refusalCodes(), workloadCodes(), stateCodes(), versionCodes(),
		translateCodes(), platformCodes(), stampCodes(), bindingCodes(), jobCodes(), uninjectCodes(), quirkCodes(), auditCodes(), migrateCodes(),
		resourcesCodes(),
	}
}

// Registry returns every registered code, sorted by area then code.
func Registry() []Description {
	var out []Description
	for _, list := range registered() {
		out = append(out, list...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Area != out[j].Area {
			return out[i].Area < out[j].Area
		}
		return out[i].Code < out[j].Code
	})
	return out
}

// Lookup returns the description of a code.
func Lookup(c Code) (Description, bool) {
	for _, list := range registered() {
		for _, d := range list {
			if d.Code == c {
				return d, true
			}
		}
	}
	return Description{}, false
}
