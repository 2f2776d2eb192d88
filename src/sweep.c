#include "lnl/sweep.h"
