"""Excel import of units and owners (房屋及业主导入), one .xlsx file into one estate.

Column layout
-------------
The first sheet of the workbook. The header row is the first of the top 10 rows that names at
least three known columns, or 房号 and one more (a title row above it is ignored); headers may
be Chinese or English, in any order, and a trailing "*" or unit such as "（㎡）" is ignored. One
row per unit and person. A column the desk does not keep (序号, 楼层 ...) and a totals row (合计)
are left aside with a notice (SheetRows.notices); a header merged over the phone column and the
one after it reads the second as 备用电话.

| 中文        | English            | required                   | values                                    |
| ----------- | ------------------ | -------------------------- | ----------------------------------------- |
| 楼栋        | Building           | yes, unless 房号 says it   | an existing building number, e.g. 3       |
| 单元        | Entrance           | yes, unless 房号 says it   | an existing entrance of it, e.g. 2        |
| 房号        | Room               | yes                        | 501; or the whole room (3栋2单元501, 3-2-501, 03-02-0501, 3幢501室) |
| 物业类型    | Property type      | for a new unit             | 多层 / 高层 / 别墅 / 商铺 (or the codes)  |
| 收费面积    | Chargeable area    | for a new unit             | m², > 0, at most 2 decimals (never rounded) |
| 房屋状态    | Status             | for a new unit             | 空置 / 已入住 / 出租 (or the codes)       |
| 业主姓名    | Owner name         | for any owner column       | blank = a unit without an owner           |
| 手机        | Phone              |                            | 7-15 digits, e.g. 13812345678             |
| 备用电话    | Second phone       |                            |                                           |
| 证件号码    | ID number          |                            | resident ID (checksum checked) or other, as TEXT |
| 关系        | Relation           | blank = 业主               | 业主 / 租户 / 家属                         |
| 入住日期    | Move-in date       |                            | a date cell or 2023-05-01                 |
| 紧急联系人  | Emergency contact  |                            |                                           |
| 紧急联系电话| Emergency phone    |                            |                                           |
| 重要客户    | Important client   | blank = 否 (new owners)    | 是 / 否                                   |
| 备注        | Notes              |                            | the owner's notes; on a row without owner, the unit's |
| 小区        | Estate             |                            | blank, or the estate imported into        |

Rules
-----
- Buildings and entrances are never created: an unknown one makes the row an error.
- A unit that does not exist is created. An existing unit keeps its data: a blank cell means
  "keep"; a value that differs is an error unless "update existing" is ticked.
- The owner is the same person as an existing one of the estate when the ID number matches,
  else when a current occupant of that unit has the same name, else when name and phone match;
  differing data is an error unless "update existing" is ticked. Otherwise a new owner is
  created (rows of one file with the same ID number, or the same name and phone, are one person).
- A new 业主 is refused for a unit that already has another current 业主 (a change of owner is a
  move-out first). Further occupants (family, tenants) of a unit: a second file, or by hand.
- Numbers are normalised (0201 is room 201, 03 building 3); areas may read 268.50㎡ or 1,268.50.
- Two people in one name cell (赵敏、钱军) are two occupants, with a number each when the phone
  cells give one each in order, or sharing one; else the row is refused. Two numbers in one
  phone cell are phone and 备用电话. A masked number (138****5678, the masked export) means
  "keep the registered one" and is refused for anyone else.
- A room may have several rows, one per person; their unit cells must agree. The same room
  twice without a person, or one person twice for a room, is an error. A registered owner of
  the room whom the file names for it as well is a co-owner, not "another owner".
- At most 5,000 data rows (and 10,010 sheet rows, blank ones included).
- Nothing is written unless every row is good, unless "import good rows only" is ticked; the
  import is one transaction, recorded in the audit log under the importing user.

Where the code lives
--------------------
This module is the entry point (the import page, the tests and the template export use it);
the work is split by concern:
- app.owners.import_rules: the column layout and the pure cell / row rules (no I/O);
- app.owners.import_reader: reading the workbook, finding the header row, the size limits;
- app.owners.import_plans: checking the rows against the estate and its people (no writing);
- app.owners.import_writer: the one-transaction write and its ImportResult.
"""
from __future__ import annotations

from app.owners.import_plans import RowPlan, validate_rows
from app.owners.import_reader import MAX_ROWS, parse_workbook
from app.owners.import_rules import COLUMNS, LABELS, REQUIRED_COLUMNS
from app.owners.import_rules import parse_row as _parse_row  # the name tests/owners use
from app.owners.import_writer import ImportResult, import_rows

__all__ = ["COLUMNS", "LABELS", "MAX_ROWS", "REQUIRED_COLUMNS", "ImportResult", "RowPlan",
           "_parse_row", "import_rows", "parse_workbook", "validate_rows"]
