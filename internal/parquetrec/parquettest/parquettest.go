// Package parquettest writes Parquet files for tests of code that reads
// billing exports.
package parquettest

import (
	"bytes"
	"encoding/csv"
	"fmt"

	"github.com/parquet-go/parquet-go"
)

// FromCSV writes a CSV export as a Parquet file of optional string
// columns (empty fields NULL), as a warehouse export of the same table
// would. A byte-order mark is dropped; a column named twice keeps its
// first occurrence; columns are in name order.
func FromCSV(data []byte) ([]byte, error) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parquettest: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("parquettest: no header")
	}
	header := recs[0]
	group := parquet.Group{}
	pos := map[string]int{}
	for i, h := range header {
		if _, dup := pos[h]; !dup {
			pos[h] = i
			group[h] = parquet.Optional(parquet.String())
		}
	}
	schema := parquet.NewSchema("export", group)
	rows := make([]parquet.Row, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		row := make(parquet.Row, 0, len(schema.Fields()))
		for col, f := range schema.Fields() {
			v := ""
			if i := pos[f.Name()]; i < len(rec) {
				v = rec[i]
			}
			if v == "" {
				row = append(row, parquet.NullValue().Level(0, 0, col))
			} else {
				row = append(row, parquet.ByteArrayValue([]byte(v)).Level(0, 1, col))
			}
		}
		rows = append(rows, row)
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, schema)
	if _, err := w.WriteRows(rows); err != nil {
		return nil, fmt.Errorf("parquettest: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("parquettest: %w", err)
	}
	return buf.Bytes(), nil
}
