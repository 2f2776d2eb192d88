#include "lnl/noise.h"
