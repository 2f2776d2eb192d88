#include "lnl/report.h"
