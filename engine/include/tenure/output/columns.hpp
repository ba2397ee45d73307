// Every column of the run tables, declared once: its name, kind, unit, a short label, what it
// means, and how it is read from a run's records. The CSV files, the DataFrames (Python), the
// workshop's series, the report and docs/outputs.md (`tenure schema --columns`) all follow
// these lists; adding a column is one entry here.
#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "tenure/model/results.hpp"
#include "tenure/output/output.hpp"

namespace tenure::output {

// A cell as a column holds it (Integer and Boolean as int64 0/1, Real as double, Text).
using Cell = std::variant<std::int64_t, double, std::string>;

template <class Row>
struct ColumnSpec {
  std::string name;
  Column::Kind kind = Column::Kind::Real;
  std::string unit;         // "" for counts of things named in the label, names and flags
  std::string label;        // for charts and tables shown to people
  std::string description;  // what it means, for docs/outputs.md
  // The row's value; `run` gives the rest of its replication (manager names, for instance).
  std::function<Cell(const Row& row, const model::RunResult& run)> get;

  double number(const Row& row, const model::RunResult& run) const {
    const Cell c = get(row, run);
    if (const auto* i = std::get_if<std::int64_t>(&c)) return static_cast<double>(*i);
    if (const auto* d = std::get_if<double>(&c)) return *d;
    return 0.0;
  }
};

// The tables of one run, one row per: month (timeseries.csv), manager (managers.csv), lost
// account (lost.csv), account and account event (with record_accounts).
const std::vector<ColumnSpec<model::MonthRow>>& month_columns();
const std::vector<ColumnSpec<model::ManagerRow>>& manager_columns();
const std::vector<ColumnSpec<model::LostAccount>>& lost_columns();
const std::vector<ColumnSpec<model::AccountRow>>& account_columns();
const std::vector<ColumnSpec<model::ManagerMonth>>& manager_month_columns();  // with record_managers
const std::vector<ColumnSpec<model::AccountEvent>>& account_event_columns();

// The monthly column of that name; throws tenure::Error listing the known ones.
const ColumnSpec<model::MonthRow>& month_column(const std::string& name);

// The reference of every output table and column, as Markdown (docs/outputs.md).
std::string columns_markdown();

}  // namespace tenure::output
