#include "lnl/linear.h"
