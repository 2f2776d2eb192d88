#include "lnl/split.h"
