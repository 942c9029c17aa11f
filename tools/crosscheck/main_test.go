package main

import (
	"bytes"
	"os"
	"testing"
)

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		list   bool
		golden string
	}{{false, "testdata/cases.golden"}, {true, "testdata/cases.list.golden"}} {
		var out, errb bytes.Buffer
		if code := run("testdata/cases", tc.list, false, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		if errb.Len() != 0 {
			t.Errorf("unexpected stderr: %s", errb.String())
		}
		want, err := os.ReadFile(tc.golden)
		if err != nil {
			t.Fatal(err)
		}
		if out.String() != string(want) {
			t.Errorf("%s mismatch:\n--- got\n%s\n--- want\n%s", tc.golden, out.String(), want)
		}
	}
}
