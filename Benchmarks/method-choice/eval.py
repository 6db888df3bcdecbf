"""Evaluates method-choice rules on the runs of run.sh: the flop model first tried (with a grid of
constants) and the row-kind rule of Sources/ADMM/Method.swift (inequality share of the constrained
rows, read from the problem files; needs the peers venv for .qpb reading): the fraction of runs
where the chosen method is within 10 % of the faster one, and the geometric-mean slowdown."""
import json, itertools, os
os.chdir(os.path.dirname(os.path.abspath(__file__)))
def load(f): return {r['problem']:r for r in json.load(open(f))['problems']}
data=[]
for eps in ['1e-3','1e-6']:
    a=load(f'admm-{eps}.json'); b=load(f'interior-point-{eps}.json')
    for k in a:
        ra,rb=a[k],b[k]; f=ra['factorization']
        data.append(dict(k=k,eps=float(eps),ta=ra['timings']['total'],tb=rb['timings']['total'],F=f['predicted_flops'],L=f['predicted_nnz_l'],nz=ra['nnz_a']+ra['nnz_p'],nm=ra['n']+ra['m']))
def admm_it(eps,a,per):
    it=a; e=eps
    while e<0.999e-3: e*=10; it*=per
    return it
def score(a,per,R,K,S,verbose=False):
    good=0; tot=0; geo=1; 
    for d in data:
        N=admm_it(d['eps'],a,per)
        admm=N*(4*d['L']+2*d['nz']+10*d['nm'])+R*d['F']
        ip=K*(d['F']+S*d['L'])
        pick = d['tb'] if ip<admm else d['ta']
        best=min(d['ta'],d['tb'])
        ok = pick<=1.1*best
        good+=ok; tot+=1; geo*=pick/best
        if verbose: print(f"{d['k']:30s} {d['eps']:.0e} {'IP ' if ip<admm else 'ADMM'} ok={ok} ratio {pick/best:.2f}")
    return good/tot, geo**(1/tot)
print("model constants (25, 1.5, 50, 25, 50):", score(25, 1.5, 50, 25, 50))
best=None
for a,per,R,K,S in itertools.product([25,50,100,150,300,600],[1.5,2,3],[0,4,20,50],[10,25,50],[2,8,20,50]):
    s=score(a,per,R,K,S)
    if best is None or s>best[0]: best=(s,(a,per,R,K,S))
print(best)
score(*best[1], verbose=False)
print("always admm", sum(d['ta']<=1.1*min(d['ta'],d['tb']) for d in data)/len(data))
print("always ip", sum(d['tb']<=1.1*min(d['ta'],d['tb']) for d in data)/len(data))
import math
for name,key in [("admm",'ta'),("ip",'tb')]:
    g=math.exp(sum(math.log(d[key]/min(d['ta'],d['tb'])) for d in data)/len(data)); print(name,"geo slowdown",g)

# The row-kind rule (Sources/ADMM/Method.swift): interior point first when >= 80 % of the
# constrained rows are inequalities.
import sys, math
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "peers"))
import numpy as np
import qpb
share = {}
for eps in ["1e-3"]:
    for k, r in load(f"admm-{eps}.json").items():
        p = qpb.read_qpb(r["file"])
        l, u = np.asarray(p.l), np.asarray(p.u)
        eq = np.isclose(l, u); free = ~np.isfinite(l) & ~np.isfinite(u)
        share[k] = np.sum(~eq & ~free) / max(1, np.sum(~free))
for th in [0.5, 0.7, 0.8, 0.9, 0.99]:
    ok = tot = 0; g = 0.0
    for eps in ["1e-3", "1e-6"]:
        a = load(f"admm-{eps}.json"); b = load(f"interior-point-{eps}.json")
        for k in a:
            ta, tb = a[k]["timings"]["total"], b[k]["timings"]["total"]
            pick = tb if share[k] >= th else ta
            ok += pick <= 1.1 * min(ta, tb); tot += 1; g += math.log(pick / min(ta, tb))
    print(f"row-kind rule, share >= {th}: {ok}/{tot} within 10 %, geometric-mean slowdown {math.exp(g / tot):.3f}")
