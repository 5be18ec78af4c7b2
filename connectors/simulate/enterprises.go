package simulate

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/xuchang-gov/tongban/definitions/cn"
)

// Enterprise is a market entity as the legal-person database (法人库) knows it.
type Enterprise struct {
	USCC string `json:"uscc"`
	Name string `json:"name"`
	// Type is the kind of entity as registered (有限责任公司, 个体工商户, …).
	Type string `json:"type"`
	// LegalPerson and LegalRepresentative are both the name of the legal representative
	// (法定代表人, or 经营者 / 负责人), the two words registers use for it.
	LegalPerson                 string `json:"legalPerson"`
	LegalRepresentative         string `json:"legalRepresentative"`
	LegalRepresentativeIDNumber string `json:"legalRepresentativeIdNumber"`
	RegisteredCapital           string `json:"registeredCapital"`
	// EstablishedOn is YYYY-MM-DD.
	EstablishedOn          string `json:"establishedOn"`
	Address                string `json:"address"`
	DivisionCode           string `json:"divisionCode"`
	BusinessScope          string `json:"businessScope"`
	RegistrationAuthority  string `json:"registrationAuthority"`
	Status                 string `json:"status"`
	demoLicenses           []License
	demoRepresentativeSeed int
}

// demoEnterprises are fixed entities; the first is the demo enterprise of `tongban serve
// --demo` (runtime/service/demo.go), with the same credit code.
var demoEnterprises = []Enterprise{
	{USCC: cn.MakeUSCC("91411003MA9KXY7Q8"), Name: "许昌瑞祥置业有限公司", Type: "有限责任公司（自然人投资或控股）",
		demoRepresentativeSeed: 0, RegisteredCapital: "5000万元人民币", EstablishedOn: "2018-06-21",
		Address: "河南省许昌市建安区许由路与永昌大道交叉口东南角瑞祥大厦16层", BusinessScope: "房地产开发经营；物业管理；房屋租赁",
		demoLicenses: []License{
			{Type: "不动产权证书", Number: "豫（2023）许昌市不动产权第0012345号", Issuer: "许昌市不动产登记中心", IssuedOn: "2023-04-18", ValidUntil: "2088-04-17"},
			{Type: "建设工程规划许可证", Number: "建字第411003202400123号", Issuer: "许昌市自然资源和规划局", IssuedOn: "2024-03-06", ValidUntil: "长期"},
		}},
	{USCC: cn.MakeUSCC("91411082MA47TD5L2"), Name: "长葛市鑫源食品有限公司", Type: "有限责任公司（自然人独资）",
		demoRepresentativeSeed: 3, RegisteredCapital: "200万元人民币", EstablishedOn: "2019-10-09",
		Address: "河南省许昌市长葛市建设路街道钟繇大道东段96号", BusinessScope: "食品销售；餐饮服务；食品互联网销售",
		demoLicenses: []License{
			{Type: "食品经营许可证", Number: "JY34110820012345", Issuer: "长葛市市场监督管理局", IssuedOn: "2021-11-02", ValidUntil: "2026-11-01"},
		}},
	{USCC: cn.MakeUSCC("92411002MA45PL3R6"), Name: "许昌市魏都区桂英百味餐馆", Type: "个体工商户",
		demoRepresentativeSeed: 2, RegisteredCapital: "10万元人民币", EstablishedOn: "2016-03-28",
		Address: "河南省许昌市魏都区西大街街道文峰路58号", BusinessScope: "餐饮服务；食品销售（仅销售预包装食品）"},
	{USCC: cn.MakeUSCC("91411081MA3XJ8C04"), Name: "禹州市神垕钧瓷文化传播有限公司", Type: "有限责任公司（自然人投资或控股）",
		demoRepresentativeSeed: 5, RegisteredCapital: "300万元人民币", EstablishedOn: "2017-08-15",
		Address: "河南省许昌市禹州市神垕镇老街72号", BusinessScope: "工艺美术品制造与销售；文化艺术交流活动组织；住宿服务"},
}

var demoEnterpriseIndex = func() map[string]int {
	m := map[string]int{}
	for i := range demoEnterprises {
		e := &demoEnterprises[i]
		rep := demoPersons[e.demoRepresentativeSeed]
		e.LegalPerson, e.LegalRepresentative, e.LegalRepresentativeIDNumber = rep.Name, rep.Name, rep.IDNumber
		e.DivisionCode = e.USCC[2:8]
		e.RegistrationAuthority = authority(e.DivisionCode)
		e.Status = "存续（在营、开业、在册）"
		m[e.USCC] = i
	}
	return m
}()

// DemoEnterprises returns the fixed demo entities.
func DemoEnterprises() []Enterprise { return append([]Enterprise(nil), demoEnterprises...) }

func authority(division string) string {
	name, _ := cn.DivisionName(division)
	if division == "411000" {
		return "许昌市市场监督管理局"
	}
	return strings.TrimPrefix(name, "河南省") + "市场监督管理局"
}

var (
	brands     = []string{"瑞丰", "鑫源", "恒达", "中原", "华鼎", "宏昌", "金诺", "汇通", "德仁", "嘉禾", "钧泰", "长青", "博雅", "新航", "永安", "润泽"}
	industries = []struct{ word, scope string }{
		{"商贸", "日用百货销售；五金产品零售；电子产品销售"},
		{"建筑工程", "建设工程施工；建筑劳务分包；住宅室内装饰装修"},
		{"食品", "食品销售；食品互联网销售；餐饮服务"},
		{"发制品", "发制品制造；发制品销售；货物进出口"},
		{"电气设备", "输配电及控制设备制造；电力设施器材销售"},
		{"农业科技", "农业技术推广服务；花卉种植；园林绿化工程施工"},
		{"物流", "道路货物运输；普通货物仓储服务；国内货物运输代理"},
		{"信息技术", "软件开发；信息系统集成服务；信息技术咨询服务"},
	}
)

// LookupEnterprise returns the entity with a credit code: a demo entity, or one made up
// deterministically from any valid code registered in 许昌 (its division, positions 3–8, a
// county of 许昌市). Codes from elsewhere are ErrNotFound; malformed ones an error that says so.
func LookupEnterprise(uscc string, now time.Time) (Enterprise, error) {
	if !cn.ValidUSCC(uscc) {
		return Enterprise{}, errors.New("统一社会信用代码无效")
	}
	if i, ok := demoEnterpriseIndex[uscc]; ok {
		return demoEnterprises[i], nil
	}
	division, ok := xuchangDivision(uscc[2:8])
	if !ok {
		return Enterprise{}, ErrNotFound
	}
	h := hash64(uscc)
	shortName := "许昌"
	if name, _ := cn.DivisionName(division); division != "411000" && division != "411002" && division != "411003" {
		county := []rune(strings.TrimPrefix(name, "河南省许昌市"))
		shortName = string(county[:len(county)-1])
	}
	ind := industries[h%uint64(len(industries))]
	e := Enterprise{USCC: uscc, DivisionCode: division, BusinessScope: ind.scope,
		RegistrationAuthority: authority(division), Status: "存续（在营、开业、在册）"}
	// A representative born 1960–1995 in the same division, so that the person is found too.
	repBirth := time.Date(1960+int((h>>8)%36), time.Month(1+(h>>16)%12), 1+int((h>>24)%28), 0, 0, 0, 0, time.UTC)
	rep, _ := LookupPerson(cn.MakeIDNumber(division, repBirth, int((h>>32)%1000)), now)
	e.LegalPerson, e.LegalRepresentative, e.LegalRepresentativeIDNumber = rep.Name, rep.Name, rep.IDNumber
	established := time.Date(2000+int((h>>40)%24), time.Month(1+(h>>44)%12), 1+int((h>>48)%28), 0, 0, 0, 0, time.UTC)
	e.EstablishedOn = established.Format("2006-01-02")
	e.Address = address(division, h>>3)
	if uscc[0] == '9' && uscc[1] == '2' {
		e.Type = "个体工商户"
		place, _ := cn.DivisionName(division)
		e.Name = strings.TrimPrefix(place, "河南省") + rep.Name + ind.word + "经营部"
		e.RegisteredCapital = fmt.Sprintf("%d万元人民币", 5+(h>>52)%50)
	} else {
		e.Type = "有限责任公司（自然人投资或控股）"
		e.Name = shortName + brands[(h>>4)%uint64(len(brands))] + ind.word + "有限公司"
		e.RegisteredCapital = fmt.Sprintf("%d万元人民币", 50*(1+(h>>52)%100))
	}
	return e, nil
}

// enterprise serves GET /legal-person/v1/entities/{uscc}.
func (s *Server) enterprise(r *http.Request, _ []byte) (int, any) {
	e, err := LookupEnterprise(r.PathValue("uscc"), s.cfg.Now())
	switch {
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound, apiError("法人库中查无此市场主体")
	case err != nil:
		return http.StatusBadRequest, apiError(err.Error())
	}
	return http.StatusOK, e
}
