# fp32 against forced bf16 on a CPU without native bf16 (README Speed: 101.5 against 4.7 samples/s on an AVX2-only AMD EPYC).
import time, torch, kit, numpy as np
df,_ = kit.load_data()
print('cpu_has_bf16', kit.cpu_has_bf16(), torch.get_num_threads())
for prec in ['fp32','bf16']:
    learn = kit.make_learner('best', df.iloc[:3200].reset_index(drop=True), val_idxs=list(range(3000,3200)), seed=42, progress=False, precision=prec)
    t=time.time(); learn.fit_one_cycle(1, 1e-4); dt=time.time()-t
    print(prec, f'{3000/dt:.1f} samples/s', f'{dt:.1f}s')
    kit.free_memory(learn)
