#include "table_info.h"

#include "async_worker.h"
#include "casacore_lock.h"

#include <casacore/casa/Containers/Record.h>
#include <casacore/casa/Utilities/DataType.h>
#include <casacore/tables/Tables/ColumnDesc.h>
#include <casacore/tables/Tables/Table.h>
#include <casacore/tables/Tables/TableAttr.h>
#include <casacore/tables/Tables/TableDesc.h>
#include <casacore/tables/Tables/TableInfo.h>
#include <casacore/tables/Tables/TableRecord.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace contimg {
namespace {

struct Column {
  std::string name;
  std::string dataType;
  bool isArray = false;
  int ndim = 0;                // > 0 only for arrays of fixed dimensionality
  std::vector<int64_t> shape;  // non-empty only for fixed-shape arrays, casacore axis order
  std::string dataManagerType;
};

struct TableInfoBaton {
  std::string path;
  uint64_t nrows = 0;
  std::string tableType;
  std::vector<Column> columns;
  std::vector<std::pair<std::string, std::string>> subtables;
};

// casacore's own printers mix cases ("Int", "double"), so spell its type names as its typedefs do.
const char* TypeName(casacore::DataType type) {
  switch (type) {
    case casacore::TpBool: return "Bool";
    case casacore::TpChar: return "Char";
    case casacore::TpUChar: return "UChar";
    case casacore::TpShort: return "Short";
    case casacore::TpUShort: return "UShort";
    case casacore::TpInt: return "Int";
    case casacore::TpUInt: return "UInt";
    case casacore::TpInt64: return "Int64";
    case casacore::TpFloat: return "Float";
    case casacore::TpDouble: return "Double";
    case casacore::TpComplex: return "Complex";
    case casacore::TpDComplex: return "DComplex";
    case casacore::TpString: return "String";
    case casacore::TpRecord: return "Record";
    default: return "Other";
  }
}

void ReadTableInfo(TableInfoBaton& baton) {
  const std::lock_guard<std::mutex> lock(CasacoreMutex());
  const casacore::Table table(baton.path, casacore::Table::Old);
  baton.nrows = table.nrow();
  baton.tableType = table.tableInfo().type();

  // The column descriptions may name a default manager; dataManagerInfo() says what each column is bound to.
  std::map<std::string, std::string> managerOf;
  const casacore::Record managers = table.dataManagerInfo();
  for (casacore::uInt i = 0; i < managers.nfields(); ++i) {
    const casacore::Record& manager = managers.subRecord(i);
    for (const casacore::String& column : manager.asArrayString("COLUMNS")) {
      managerOf[column] = manager.asString("TYPE");
    }
  }

  const casacore::TableDesc& desc = table.tableDesc();
  for (casacore::uInt i = 0; i < desc.ncolumn(); ++i) {
    const casacore::ColumnDesc& cd = desc.columnDesc(i);
    Column column{cd.name(), TypeName(cd.dataType()), cd.isArray(), 0, {},
                  managerOf[cd.name()]};
    if (cd.isArray()) {
      column.ndim = std::max(cd.ndim(), 0);
      if (cd.isFixedShape()) column.shape.assign(cd.shape().begin(), cd.shape().end());
    }
    baton.columns.push_back(std::move(column));
  }

  // tableAttributes() gives a subtable's path without opening it.
  const casacore::TableRecord& keywords = table.keywordSet();
  for (casacore::uInt i = 0; i < keywords.nfields(); ++i) {
    if (keywords.type(i) == casacore::TpTable) {
      baton.subtables.emplace_back(keywords.name(i), keywords.tableAttributes(i).name());
    }
  }
}

Napi::Object ToJs(Napi::Env env, const TableInfoBaton& baton) {
  Napi::Array columns = Napi::Array::New(env, baton.columns.size());
  for (uint32_t i = 0; i < baton.columns.size(); ++i) {
    const Column& c = baton.columns[i];
    Napi::Object column = Napi::Object::New(env);
    column.Set("name", c.name);
    column.Set("dataType", c.dataType);
    column.Set("isArray", c.isArray);
    if (c.ndim > 0) column.Set("ndim", c.ndim);
    if (!c.shape.empty()) {
      Napi::Array shape = Napi::Array::New(env, c.shape.size());
      for (uint32_t d = 0; d < c.shape.size(); ++d) shape.Set(d, static_cast<double>(c.shape[d]));
      column.Set("shape", shape);
    }
    column.Set("dataManagerType", c.dataManagerType);
    columns.Set(i, column);
  }

  Napi::Object subtables = Napi::Object::New(env);
  for (const auto& [name, path] : baton.subtables) subtables.Set(name, path);

  Napi::Object result = Napi::Object::New(env);
  result.Set("nrows", static_cast<double>(baton.nrows));
  result.Set("tableType", baton.tableType);
  result.Set("columns", columns);
  result.Set("subtables", subtables);
  return result;
}


}  // namespace

Napi::Value TableInfo(const Napi::CallbackInfo& info) {
  auto baton = std::make_shared<TableInfoBaton>();
  baton->path = info[0].As<Napi::String>().Utf8Value();
  return PromiseWorker::Start(
      info.Env(), "contimg:tableInfo", "casacore: ", [baton] { ReadTableInfo(*baton); },
      [baton](Napi::Env env) -> Napi::Value { return ToJs(env, *baton); }, Napi::Object::New(info.Env()));
}

}  // namespace contimg
