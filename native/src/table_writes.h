#pragma once

#include <casacore/tables/Tables/Table.h>

namespace contimg {

// casacore writes a table opened for writing when its last reference goes, from a destructor: a
// write that fails there (a full disk) ends the process.

// Writes the table and its subtables where a failure can throw. When that fails, casacore is told
// not to try again at close, and the failure is rethrown.
void WriteTable(casacore::Table& table);

// Makes closing the table and its subtables leave their files as they are: for a table given up.
void DoNotWriteTable(const casacore::Table& table) noexcept;

}  // namespace contimg
