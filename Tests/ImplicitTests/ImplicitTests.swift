import Testing
import Implicit
