package cn_test

import (
	"fmt"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

func ExampleChineseAmount() {
	for _, yuan := range []float64{1234.56, 100, 1005.07, 10.5, 0.05} {
		words, err := cn.ChineseAmount(yuan)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(words)
	}
	// Output:
	// 壹仟贰佰叁拾肆元伍角陆分
	// 壹佰元整
	// 壹仟零伍元零柒分
	// 壹拾元伍角整
	// 伍分
}

func ExampleParseIDNumber() {
	info, err := cn.ParseIDNumber("411002194003150126")
	if err != nil {
		fmt.Println(err)
		return
	}
	place, _ := cn.DivisionName(info.DivisionCode)
	fmt.Println(place, info.Birth.Format("2006年1月2日"), info.Male)

	_, err = cn.ParseIDNumber("411002194003150127")
	fmt.Println(err)
	// Output:
	// 河南省许昌市魏都区 1940年3月15日 false
	// 身份证号校验位错误
}
