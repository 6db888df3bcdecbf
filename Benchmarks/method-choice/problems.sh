# The 28 calibration problems (sourced by run.sh and run-repeated.sh): sets ARGS to their --problem options.
ARGS=""
for p in random:50 random:200 eq:50 eq:200 portfolio:5 portfolio:20 lasso:10 lasso:40 huber:10 huber:40 svm:10 svm:40 \
         control:10 control:40 random-sparse:200 random-sparse:1000 eq-sparse:200 eq-sparse:1000 control-sparse:1000 \
         control-sparse:6666 portfolio-sparse:10000 portfolio-sparse:100000 lasso-sparse:3333 lasso-sparse:33333 \
         huber-sparse:3333 huber-sparse:33333 svm-sparse:3333 svm-sparse:33333; do
  ARGS="$ARGS --problem $p"
done
