import re,shutil
p='internal/store/eventroute.go'
s=open(p).read()
s=s.replace('''	claimed, done, err := s.claimEvents(ctx, now, lease, limit)''','''	t0 := time.Now()
	claimed, done, err := s.claimEvents(ctx, now, lease, limit)
	t1 := time.Now()''',1)
s=s.replace('''	routeMatched(ctx)
''','''	routeMatched(ctx)
	t2 := time.Now()
''',1)
s=s.replace('''	if err != nil {
		return RoutedBatch{Done: done}, wrap("route events", err)
	}
	return RoutedBatch{Done: done + len(ended), Ended: ended}, nil''','''	TimingHook(len(claimed), t1.Sub(t0), t2.Sub(t1), time.Since(t2))
	if err != nil {
		return RoutedBatch{Done: done}, wrap("route events", err)
	}
	return RoutedBatch{Done: done + len(ended), Ended: ended}, nil''',1)
assert s.count('TimingHook')==1 and 't2 :=' in s and 't1 :=' in s
s+='''
// TimingHook is throwaway instrumentation.
var TimingHook = func(n int, claim, match, tx time.Duration) {}
'''
open(p,'w').write(s)
shutil.copy('/tmp/s16-pgroute/zz_timing.go.txt','internal/store/zz_timing.go')
