package simulate

import (
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// Person is a resident as the population database (人口库) knows them.
type Person struct {
	IDNumber string `json:"idNumber"`
	Name     string `json:"name"`
	Sex      string `json:"sex"` // 男 or 女
	// BirthDate is YYYY-MM-DD.
	BirthDate string `json:"birthDate"`
	Ethnicity string `json:"ethnicity"`
	// HouseholdDivision is the GB/T 2260 code of the household registration (户籍所在地).
	HouseholdDivision     string `json:"householdDivision"`
	HouseholdDivisionName string `json:"householdDivisionName"`
	HouseholdAddress      string `json:"householdAddress"`
	// Address is where the person lives now (居住地址).
	Address string `json:"address"`
	Mobile  string `json:"mobile,omitempty"`
	// Status is 正常, or 死亡 / 迁出 for records a clerk must not rely on.
	Status string `json:"status"`
}

func birth(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// demoPersons are fixed residents: the first three are the demo citizens of `tongban serve
// --demo` (runtime/service/demo.go), with the same ID numbers, names and mobiles.
var demoPersons = []Person{
	{IDNumber: cn.MakeIDNumber("411002", birth(1986, 5, 12), 31), Name: "张伟", Mobile: "13803741234",
		HouseholdAddress: "河南省许昌市魏都区七一路街道七一东路168号院3号楼2单元501室"},
	{IDNumber: cn.MakeIDNumber("411003", birth(1990, 9, 3), 42), Name: "李秀兰", Mobile: "15937401234",
		HouseholdAddress: "河南省许昌市建安区将官池镇将官池村三组27号"},
	{IDNumber: cn.MakeIDNumber("411002", birth(1941, 3, 15), 12), Name: "王桂英", Mobile: "13903745678",
		HouseholdAddress: "河南省许昌市魏都区西大街街道北大街社区文峰路56号院1号楼101室"},
	{IDNumber: cn.MakeIDNumber("411082", birth(1972, 7, 8), 53), Name: "刘振华", Mobile: "13937456789",
		HouseholdAddress: "河南省许昌市长葛市建设路街道钟繇大道东段88号"},
	{IDNumber: cn.MakeIDNumber("411024", birth(1958, 11, 20), 17), Name: "赵建国", Mobile: "13623745566",
		HouseholdAddress: "河南省许昌市鄢陵县安陵镇花都大道南段21号"},
	{IDNumber: cn.MakeIDNumber("411081", birth(1995, 2, 28), 64), Name: "陈静", Mobile: "18839012345",
		HouseholdAddress: "河南省许昌市禹州市钧台街道药城路118号院6号楼1单元302室"},
	{IDNumber: cn.MakeIDNumber("411025", birth(1983, 4, 16), 26), Name: "孙丽娟", Mobile: "15239067890",
		HouseholdAddress: "河南省许昌市襄城县城关镇八七路中段45号"},
}

var demoPersonIndex = func() map[string]int {
	m := map[string]int{}
	for i := range demoPersons {
		p := &demoPersons[i]
		info, err := cn.ParseIDNumber(p.IDNumber)
		if err != nil {
			panic(err)
		}
		fillFromID(p, info)
		p.Address = p.HouseholdAddress
		m[p.IDNumber] = i
	}
	return m
}()

// DemoPersons returns the fixed demo residents.
func DemoPersons() []Person { return append([]Person(nil), demoPersons...) }

// ErrNotFound is an ID number or code the simulated register does not hold.
var ErrNotFound = errors.New("查无此记录")

// xuchangDivision returns the 许昌 division an ID number or credit code was issued in: a
// county of 许昌市, or the city itself; 411023, 许昌县 before it became 建安区 in 2017, counts
// as 建安区.
func xuchangDivision(code string) (string, bool) {
	if code == "411023" {
		code = "411003"
	}
	if !strings.HasPrefix(code, "4110") {
		return "", false
	}
	_, ok := cn.DivisionName(code)
	return code, ok
}

// LookupPerson returns the resident with an ID number: a demo resident, or one made up
// deterministically from any valid ID number issued in 许昌, so that the same number always
// gives the same person. Numbers from elsewhere, or with a birth date in the future, are
// ErrNotFound; malformed ones are the cn.ParseIDNumber error.
func LookupPerson(idNumber string, now time.Time) (Person, error) {
	info, err := cn.ParseIDNumber(idNumber)
	if err != nil {
		return Person{}, err
	}
	if i, ok := demoPersonIndex[idNumber]; ok {
		return demoPersons[i], nil
	}
	if _, ok := xuchangDivision(info.DivisionCode); !ok || info.Birth.After(now) {
		return Person{}, ErrNotFound
	}
	h := hash64(idNumber)
	p := Person{IDNumber: idNumber}
	fillFromID(&p, info)
	p.Name = personName(h, info.Male)
	p.HouseholdAddress = address(p.HouseholdDivision, h)
	p.Address = p.HouseholdAddress
	if h%5 == 0 {
		// One in five lives somewhere other than their household registration.
		p.Address = address(p.HouseholdDivision, h>>7)
	}
	if h%10 != 7 {
		// Nine in ten have a mobile number on record; the rest must be verified at a window
		// when they register online.
		p.Mobile = mobile(h)
	}
	return p, nil
}

func fillFromID(p *Person, info cn.IDInfo) {
	p.Sex = "女"
	if info.Male {
		p.Sex = "男"
	}
	p.BirthDate = info.Birth.Format("2006-01-02")
	p.Ethnicity = "汉族"
	p.HouseholdDivision, _ = xuchangDivision(info.DivisionCode)
	p.HouseholdDivisionName, _ = cn.DivisionName(p.HouseholdDivision)
	p.Status = "正常"
}

func hash64(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

var (
	surnames    = []rune("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段")
	maleChars   = []rune("伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林欢佳阳建国志文斌海东振峰")
	femaleChars = []rune("芳娜敏静丽艳娟霞秀英华慧巧美娅玲桂兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉")
)

func personName(h uint64, male bool) string {
	chars := femaleChars
	if male {
		chars = maleChars
	}
	name := string(surnames[h%uint64(len(surnames))]) + string(chars[(h>>8)%uint64(len(chars))])
	if (h>>16)%3 != 0 {
		name += string(chars[(h>>24)%uint64(len(chars))])
	}
	return name
}

// streets are real-sounding streets and towns of each 许昌 division.
var streets = map[string][]string{
	"411000": {"魏都区五一路街道", "东城区魏武大道", "城乡一体化示范区尚集镇"},
	"411002": {"七一路街道七一东路", "西大街街道文峰路", "五一路街道五一路", "高桥营街道许继大道", "南关街道建安大道"},
	"411003": {"将官池镇许由路", "尚集镇", "灵井镇", "陈曹乡", "小召乡"},
	"411024": {"安陵镇花都大道", "马栏镇", "柏梁镇", "陈化店镇"},
	"411025": {"城关镇八七路", "颍桥回族镇", "麦岭镇", "库庄镇"},
	"411081": {"钧台街道药城路", "夏都街道禹王大道", "神垕镇", "鸠山镇"},
	"411082": {"建设路街道钟繇大道", "金桥路街道", "大周镇", "后河镇"},
}

func address(division string, h uint64) string {
	name, _ := cn.DivisionName(division)
	list := streets[division]
	if len(list) == 0 {
		list = streets["411000"]
	}
	street := list[h%uint64(len(list))]
	if strings.HasSuffix(street, "镇") || strings.HasSuffix(street, "乡") {
		return fmt.Sprintf("%s%s%s村%d组%d号", name, street, []string{"东", "西", "南", "北", "前", "后"}[(h>>4)%6]+"庄", 1+(h>>12)%9, 1+(h>>20)%80)
	}
	return fmt.Sprintf("%s%s%d号院%d号楼%d单元%d室", name, street, 1+(h>>4)%300, 1+(h>>12)%12, 1+(h>>16)%4, 101+100*((h>>20)%18)+(h>>28)%4)
}

func mobile(h uint64) string {
	prefixes := []string{"138", "139", "137", "150", "151", "158", "159", "186", "187", "188", "135", "136"}
	return fmt.Sprintf("%s%08d", prefixes[h%uint64(len(prefixes))], (h>>8)%100000000)
}

// person serves GET /population/v1/persons/{idNumber}.
func (s *Server) person(r *http.Request, _ []byte) (int, any) {
	p, err := LookupPerson(r.PathValue("idNumber"), s.cfg.Now())
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, apiError("人口库中查无此人")
	case err != nil:
		return http.StatusBadRequest, apiError(err.Error())
	}
	return http.StatusOK, p
}
