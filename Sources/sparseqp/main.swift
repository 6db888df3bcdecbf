print("sparseqp")
