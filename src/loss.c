#include "lnl/loss.h"
