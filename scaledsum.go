package vecfit

import "math"

// scaledSum is a sum frac·2^exp whose exponent may lie beyond the float64
// range. add keeps frac in [½, 1) in magnitude, or 0.
type scaledSum struct {
	frac float64
	exp  int
}

// add returns s + m·2^e. Terms far smaller than the sum lose their digits,
// as in any float64 sum, but the sum itself neither overflows nor
// underflows.
func (s scaledSum) add(m float64, e int) scaledSum {
	if m == 0 {
		return s
	}
	if s.frac == 0 {
		s = scaledSum{m, e}
	} else {
		if e > s.exp {
			s.frac = math.Ldexp(s.frac, s.exp-e)
			s.exp = e
		}
		s.frac += math.Ldexp(m, e-s.exp)
	}
	if s.frac != 0 && isFinite(s.frac) {
		frac, shift := math.Frexp(s.frac)
		s.frac, s.exp = frac, s.exp+shift
	}
	return s
}

// float64 returns s·2^shift rounded to float64.
func (s scaledSum) float64(shift int) float64 { return math.Ldexp(s.frac, s.exp+shift) }

// less reports whether s < t, for s and t ≥ 0.
func (s scaledSum) less(t scaledSum) bool {
	if s.exp == t.exp || s.frac == 0 || t.frac == 0 || math.IsInf(s.frac, 1) || math.IsInf(t.frac, 1) {
		return s.frac < t.frac
	}
	ms, es := math.Frexp(s.frac)
	mt, et := math.Frexp(t.frac)
	if es+s.exp != et+t.exp {
		return es+s.exp < et+t.exp
	}
	return ms < mt
}
