package vecfit

import "testing"

func BenchmarkTmp(b *testing.B) {
	for _, s := range []benchShape{{"l1", 20000, 128, 32}, {"l2", 20000, 128, 256}, {"d768k64", 4000, 768, 64}, {"bert", 4000, 768, 1024}} {
		benchNearest[float32](b, s, "")
	}
}
