package service

import "testing"

func TestMaskHidesPersonalData(t *testing.T) {
	cases := map[string]string{
		"411002198503140213":                    "4110**********0213",
		"经营者 11010519491231002X 电话 13803741234": "经营者 1101**********002X 电话 138****1234",
		"91411002MA44XY7K0N":                    "91411002MA44XY7K0N",
		"许昌市魏都区七一路88号":                          "许昌市魏都区七一路88号",
	}
	for in, want := range cases {
		if got := mask(in); got != want {
			t.Errorf("mask(%q) = %q, want %q", in, got, want)
		}
	}
	if maskName("王桂英") != "王**" || maskName("李") != "李" {
		t.Error("maskName")
	}
}
