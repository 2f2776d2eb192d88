#include "lnl/optim.h"
