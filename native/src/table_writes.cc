#include "table_writes.h"

#include <casacore/tables/Tables/BaseTable.h>
#include <casacore/tables/Tables/TableRecord.h>

namespace contimg {
namespace {

// casacore keeps Table::baseTablePtr private, and so BaseTable::doNotWrite, the switch it flips
// itself when a table fails to open. An explicit template instantiation may name a private member
// ([temp.explicit]), so this one defines a function that calls it.
casacore::BaseTable* BaseTableOf(const casacore::Table& table);

template <casacore::BaseTable* (casacore::Table::*Member)() const>
struct BaseTableAccess {
  friend casacore::BaseTable* BaseTableOf(const casacore::Table& table) { return (table.*Member)(); }
};
template struct BaseTableAccess<&casacore::Table::baseTablePtr>;

}  // namespace

void WriteTable(casacore::Table& table) {
  try {
    table.flush(false, true);
  } catch (...) {
    DoNotWriteTable(table);
    throw;
  }
}

void DoNotWriteTable(const casacore::Table& table) noexcept {
  try {
    BaseTableOf(table)->doNotWrite();
    const casacore::TableRecord& keywords = table.keywordSet();
    for (casacore::uInt i = 0; i < keywords.nfields(); ++i) {
      // a subtable already open is the same table object (casacore's table cache)
      if (keywords.type(i) == casacore::TpTable) DoNotWriteTable(keywords.asTable(i));
    }
  } catch (...) {
    // a subtable that cannot be opened has nothing of ours to write
  }
}

}  // namespace contimg
