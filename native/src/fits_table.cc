#include "fits_table.h"

#include <fitsio.h>

#include "async_worker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace contimg {
namespace {

struct Column {
  std::string name;
  std::string unit;
  bool isString = false;
  std::vector<double> numbers;       // NaN for a null
  std::vector<std::string> strings;  // "" for a null
};

struct TableBaton {
  std::string path;
  std::string extension;
  int hdu = 0;
  long rows = 0;
  std::vector<Column> columns;
  std::vector<std::string> skipped;  // vector, bit and complex columns
};

// Throws with cfitsio's own message for a non-zero status.
void Check(int status) {
  if (status == 0) return;
  char text[FLEN_STATUS];
  fits_get_errstatus(status, text);
  throw std::runtime_error(text);
}

std::string Keyword(fitsfile* fits, const std::string& name) {
  char value[FLEN_VALUE];
  int status = 0;
  if (fits_read_key(fits, TSTRING, name.c_str(), value, nullptr, &status) == KEY_NO_EXIST) return "";
  Check(status);
  return value;
}

void ReadColumn(fitsfile* fits, int number, long rows, TableBaton& baton) {
  int status = 0;
  int type = 0;
  long repeat = 0, width = 0;
  Check(fits_get_eqcoltype(fits, number, &type, &repeat, &width, &status));
  Column column{Keyword(fits, "TTYPE" + std::to_string(number)), Keyword(fits, "TUNIT" + std::to_string(number)), type == TSTRING || type == TLOGICAL, {}, {}};
  const bool scalar = type == TSTRING || repeat == 1;
  if (!scalar || type == TBIT || type == TCOMPLEX || type == TDBLCOMPLEX) {
    baton.skipped.push_back(column.name);
    return;
  }
  if (type == TLOGICAL) {
    std::vector<char> values(rows);
    char nul = 2;
    Check(fits_read_col(fits, TLOGICAL, number, 1, 1, rows, &nul, values.data(), nullptr, &status));
    for (char v : values) column.strings.emplace_back(v == 1 ? "T" : v == 0 ? "F" : "");
  } else if (type == TSTRING) {
    int displayWidth = 0;
    Check(fits_get_col_display_width(fits, number, &displayWidth, &status));
    std::vector<std::vector<char>> buffers(rows, std::vector<char>(std::max<long>(width, displayWidth) + 1));
    std::vector<char*> pointers;
    for (auto& b : buffers) pointers.push_back(b.data());
    char nul[] = "";
    Check(fits_read_col(fits, TSTRING, number, 1, 1, rows, nul, pointers.data(), nullptr, &status));
    for (const char* p : pointers) column.strings.emplace_back(p);
  } else {
    column.numbers.resize(rows);
    double nul = std::numeric_limits<double>::quiet_NaN();
    Check(fits_read_col(fits, TDOUBLE, number, 1, 1, rows, &nul, column.numbers.data(), nullptr, &status));
  }
  baton.columns.push_back(std::move(column));
}

void ReadTable(TableBaton& baton) {
  fitsfile* fits = nullptr;
  int status = 0;
  // Opens the first HDU holding a table ("[1]" style selectors in the path are left to cfitsio).
  Check(fits_open_table(&fits, baton.path.c_str(), READONLY, &status));
  struct Closer {
    fitsfile* f;
    ~Closer() {
      int s = 0;
      fits_close_file(f, &s);
    }
  } closer{fits};
  baton.hdu = fits_get_hdu_num(fits, &baton.hdu) - 1;
  baton.extension = Keyword(fits, "EXTNAME");
  int ncols = 0;
  Check(fits_get_num_rows(fits, &baton.rows, &status));
  Check(fits_get_num_cols(fits, &ncols, &status));
  for (int c = 1; c <= ncols; ++c) ReadColumn(fits, c, baton.rows, baton);
}

Napi::Object ToJs(Napi::Env env, const TableBaton& baton) {
  Napi::Array columns = Napi::Array::New(env, baton.columns.size());
  for (uint32_t i = 0; i < baton.columns.size(); ++i) {
    const Column& c = baton.columns[i];
    Napi::Object column = Napi::Object::New(env);
    column.Set("name", c.name);
    column.Set("unit", c.unit);
    if (c.isString) {
      Napi::Array values = Napi::Array::New(env, c.strings.size());
      for (uint32_t r = 0; r < c.strings.size(); ++r) values.Set(r, c.strings[r]);
      column.Set("strings", values);
    } else {
      Napi::Float64Array values = Napi::Float64Array::New(env, c.numbers.size());
      std::copy(c.numbers.begin(), c.numbers.end(), values.Data());
      column.Set("numbers", values);
    }
    columns.Set(i, column);
  }
  Napi::Array skipped = Napi::Array::New(env, baton.skipped.size());
  for (uint32_t i = 0; i < baton.skipped.size(); ++i) skipped.Set(i, baton.skipped[i]);
  Napi::Object result = Napi::Object::New(env);
  result.Set("hdu", baton.hdu);
  result.Set("extension", baton.extension);
  result.Set("rows", static_cast<double>(baton.rows));
  result.Set("columns", columns);
  result.Set("skippedColumns", skipped);
  return result;
}

}  // namespace

Napi::Value FitsReadTable(const Napi::CallbackInfo& info) {
  auto baton = std::make_shared<TableBaton>();
  baton->path = info[0].As<Napi::String>().Utf8Value();
  return PromiseWorker::Start(
      info.Env(), "contimg:fitsReadTable", "cfitsio: " + baton->path + ": ", [baton] { ReadTable(*baton); },
      [baton](Napi::Env env) -> Napi::Value { return ToJs(env, *baton); }, Napi::Object::New(info.Env()));
}

}  // namespace contimg
