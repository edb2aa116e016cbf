package billconv

import (
	"bytes"
	"embed"
	"encoding/csv"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
)

// The mapping tables, embedded (provenance in mappings/SOURCES.md).
//
//go:embed mappings/*.csv
var mappingFS embed.FS

// readTable reads an embedded CSV table: its header and its rows.
func readTable(name string) ([]string, [][]string) {
	data, err := mappingFS.ReadFile("mappings/" + name)
	if err != nil {
		panic("billconv: embedded table " + name + ": " + err.Error())
	}
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil || len(recs) == 0 {
		panic("billconv: embedded table " + name + " is not CSV")
	}
	return recs[0], recs[1:]
}

// categoryTable reads a two-column table "native service,ServiceCategory"
// keyed by the lower-case native service.
func categoryTable(name string) map[string]string {
	_, rows := readTable(name)
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		if len(r) < 2 {
			continue
		}
		k := strings.ToLower(strings.TrimSpace(r[0]))
		if _, dup := m[k]; !dup && k != "" {
			m[k] = strings.TrimSpace(r[1])
		}
	}
	return m
}

var (
	// awsCategories maps lineItem/ProductCode (and product/servicecode) to
	// ServiceCategory: focus_converters' aws_category_mapping.csv.
	awsCategories = sync.OnceValue(func() map[string]string {
		return categoryTable("focus_converters_aws_category_mapping.csv")
	})
	// azureCategories maps ConsumedService: focus_converters'
	// azure_category_mapping.csv.
	azureCategories = sync.OnceValue(func() map[string]string {
		return categoryTable("focus_converters_azure_category_mapping.csv")
	})
	// gcpCategories maps service.description: focus_converters'
	// gcp_category_mapping.csv.
	gcpCategories = sync.OnceValue(func() map[string]string {
		return categoryTable("focus_converters_gcp_category_mapping.csv")
	})
	// ociCategories maps product/service: kiban's own table.
	ociCategories = sync.OnceValue(func() map[string]string {
		return categoryTable("kiban_oci_category_mapping.csv")
	})
	azureServices = sync.OnceValue(loadAzureServices)
	azureRegions  = sync.OnceValue(loadAzureRegions)
	azureUnits    = sync.OnceValue(loadAzureUnits)
)

// azureService is a row of the FinOps toolkit's Services.csv.
type azureService struct {
	name, category, subcategory, publisher string
}

type azureServiceTable struct {
	// byPair is keyed by lower-case ConsumedService + "|" + ResourceType.
	byPair map[string]azureService
	// byType holds resource types whose rows all agree on name and
	// category; byConsumed likewise for consumed services.
	byType, byConsumed map[string]azureService
}

func loadAzureServices() azureServiceTable {
	header, rows := readTable("Services.csv")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	get := func(r []string, name string) string {
		if i, ok := col[name]; ok && i < len(r) {
			return strings.TrimSpace(r[i])
		}
		return ""
	}
	t := azureServiceTable{byPair: map[string]azureService{}, byType: map[string]azureService{}, byConsumed: map[string]azureService{}}
	conflict := map[string]bool{}
	agree := func(m map[string]azureService, prefix, k string, s azureService) {
		if k == "" || conflict[prefix+k] {
			return
		}
		if old, ok := m[k]; ok && (old.name != s.name || old.category != s.category) {
			delete(m, k)
			conflict[prefix+k] = true
			return
		}
		m[k] = s
	}
	for _, r := range rows {
		cs := strings.ToLower(get(r, "ConsumedService"))
		rt := strings.ToLower(get(r, "ResourceType"))
		s := azureService{name: get(r, "ServiceName"), category: get(r, "ServiceCategory"),
			subcategory: get(r, "ServiceSubcategory"), publisher: get(r, "PublisherName")}
		if s.category == "" {
			continue
		}
		if _, ok := t.byPair[cs+"|"+rt]; !ok {
			t.byPair[cs+"|"+rt] = s
		}
		agree(t.byType, "t:", rt, s)
		agree(t.byConsumed, "c:", cs, s)
	}
	return t
}

// loadAzureRegions maps lower-case Azure locations as exports write them
// ("EastUS", "US East", "usnorth") to RegionId: the toolkit's Regions.csv.
func loadAzureRegions() map[string]string {
	_, rows := readTable("Regions.csv")
	m := make(map[string]string, len(rows))
	for _, r := range rows {
		if len(r) >= 2 {
			m[strings.ToLower(strings.TrimSpace(r[0]))] = strings.TrimSpace(r[1])
		}
	}
	return m
}

// azureUnit is a row of the toolkit's PricingUnits.csv: Azure's
// UnitOfMeasure "10K" is blocks of 10,000 Units.
type azureUnit struct {
	block decimal.Decimal
	unit  string
}

func loadAzureUnits() map[string]azureUnit {
	header, rows := readTable("PricingUnits.csv")
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	m := make(map[string]azureUnit, len(rows))
	for _, r := range rows {
		if len(r) < len(header) {
			continue
		}
		block, ok := parseDecimal(strings.TrimSpace(r[col["PricingBlockSize"]]))
		if !ok {
			continue
		}
		uom := r[col["UnitOfMeasure"]]
		u := azureUnit{block: block, unit: strings.TrimSpace(r[col["DistinctUnits"]])}
		if _, dup := m[uom]; !dup {
			m[uom] = u
		}
		if k := strings.TrimSpace(uom); k != uom {
			if _, dup := m[k]; !dup {
				m[k] = u
			}
		}
	}
	return m
}
